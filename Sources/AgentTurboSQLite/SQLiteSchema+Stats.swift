import AgentTurboSQL

extension SQLiteSchema {
    /// Schema 4: what makes stats, metrics and lists cost the same at a million tasks as at a thousand, holds
    /// with an audit trail of their own, and idempotency keys for submits.
    ///
    /// - `agent_task_counts` (tasks per state) and `agent_attempt_totals` (finished attempts, cost and tokens per
    ///   profile) are kept by triggers, so every statement that changes a task's state or finishes an attempt
    ///   updates them in its own transaction, whoever writes it (agent-turbo or plain SQL).
    /// - One index per list filter, each ending in the list's order (`created_at`, then `rowid`, which every
    ///   SQLite index carries last), so a filtered page is read from an index instead of sorted.
    /// - `agent_hold_actions`: the audit trail of holds (`agent_actions.task_id` must name a task; a hold names a
    ///   profile).
    /// - `agent_idempotency_keys`: a submit's key, a fingerprint of its body and the ids it added.
    static let statsAndHolds = Migration(
        version: 4,
        name: "counters kept by triggers, list indexes, hold audit trail, idempotency keys",
        statements: [
            """
            CREATE TABLE agent_task_counts (
                status TEXT PRIMARY KEY NOT NULL,
                n INTEGER NOT NULL DEFAULT 0
            )
            """,
            """
            INSERT INTO agent_task_counts (status, n)
            SELECT s.status, (SELECT COUNT(*) FROM agent_tasks t WHERE t.status = s.status)
            FROM (SELECT 'pending' AS status UNION ALL SELECT 'running' UNION ALL SELECT 'completed'
                  UNION ALL SELECT 'failed' UNION ALL SELECT 'cancelled') AS s
            """,
            """
            CREATE TRIGGER agent_tasks_count_insert AFTER INSERT ON agent_tasks BEGIN
                UPDATE agent_task_counts SET n = n + 1 WHERE status = NEW.status;
            END
            """,
            """
            CREATE TRIGGER agent_tasks_count_delete AFTER DELETE ON agent_tasks BEGIN
                UPDATE agent_task_counts SET n = n - 1 WHERE status = OLD.status;
            END
            """,
            """
            CREATE TRIGGER agent_tasks_count_update AFTER UPDATE OF status ON agent_tasks
            WHEN OLD.status IS NOT NEW.status BEGIN
                UPDATE agent_task_counts SET n = n - 1 WHERE status = OLD.status;
                UPDATE agent_task_counts SET n = n + 1 WHERE status = NEW.status;
            END
            """,
            """
            CREATE TABLE agent_attempt_totals (
                agent TEXT PRIMARY KEY NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                completed INTEGER NOT NULL DEFAULT 0,
                failed INTEGER NOT NULL DEFAULT 0,
                cost_usd REAL NOT NULL DEFAULT 0,
                input_tokens INTEGER NOT NULL DEFAULT 0,
                output_tokens INTEGER NOT NULL DEFAULT 0
            )
            """,
            """
            INSERT INTO agent_attempt_totals (agent, attempts, completed, failed, cost_usd, input_tokens, output_tokens)
            SELECT agent, COUNT(*), SUM(outcome = 'completed'), SUM(outcome = 'failed'), COALESCE(SUM(cost_usd), 0),
                COALESCE(SUM(input_tokens), 0), COALESCE(SUM(output_tokens), 0)
            FROM agent_attempts WHERE finished_at IS NOT NULL GROUP BY agent
            """,
            // Finished attempts per minute and per quarter hour (span_sec 60 and 900, UTC) for the charts of the
            // last hour and day: a chart reads at most 97 rows. Kept two days.
            """
            CREATE TABLE agent_activity (
                span_sec INTEGER NOT NULL,
                bucket_start TEXT NOT NULL,
                completed INTEGER NOT NULL DEFAULT 0,
                failed INTEGER NOT NULL DEFAULT 0,
                retried INTEGER NOT NULL DEFAULT 0,
                cost_usd REAL NOT NULL DEFAULT 0,
                PRIMARY KEY (span_sec, bucket_start)
            )
            """,
            """
            INSERT INTO agent_activity (span_sec, bucket_start, completed, failed, retried, cost_usd)
            SELECT 60, substr(agent_attempts.finished_at, 1, 16) || ':00.000Z', SUM(outcome = 'completed'), SUM(outcome = 'failed'),
                SUM(outcome IN ('retry_scheduled', 'rescued')), COALESCE(SUM(cost_usd), 0)
            FROM agent_attempts WHERE finished_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-2 days')
            GROUP BY 2
            """,
            """
            INSERT INTO agent_activity (span_sec, bucket_start, completed, failed, retried, cost_usd)
            SELECT 900, substr(agent_attempts.finished_at, 1, 14) || printf('%02d', (CAST(substr(agent_attempts.finished_at, 15, 2) AS INTEGER) / 15) * 15) || ':00.000Z', SUM(outcome = 'completed'), SUM(outcome = 'failed'),
                SUM(outcome IN ('retry_scheduled', 'rescued')), COALESCE(SUM(cost_usd), 0)
            FROM agent_attempts WHERE finished_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-2 days')
            GROUP BY 2
            """,
            // A finished attempt counts once: added when it finishes, taken out when it is deleted (prune) or
            // changed again, so an outcome recorded late replaces the one it had.
            """
            CREATE TRIGGER agent_attempts_total_add AFTER UPDATE ON agent_attempts
            WHEN NEW.finished_at IS NOT NULL BEGIN
                INSERT OR IGNORE INTO agent_attempt_totals (agent) VALUES (NEW.agent);
                UPDATE agent_attempt_totals SET attempts = attempts + 1,
                    completed = completed + (NEW.outcome = 'completed'), failed = failed + (NEW.outcome = 'failed'),
                    cost_usd = cost_usd + COALESCE(NEW.cost_usd, 0),
                    input_tokens = input_tokens + COALESCE(NEW.input_tokens, 0),
                    output_tokens = output_tokens + COALESCE(NEW.output_tokens, 0)
                WHERE agent = NEW.agent;
                INSERT OR IGNORE INTO agent_activity (span_sec, bucket_start) VALUES (60, substr(NEW.finished_at, 1, 16) || ':00.000Z'), (900, substr(NEW.finished_at, 1, 14) || printf('%02d', (CAST(substr(NEW.finished_at, 15, 2) AS INTEGER) / 15) * 15) || ':00.000Z');
                UPDATE agent_activity SET completed = completed + (NEW.outcome = 'completed'),
                    failed = failed + (NEW.outcome = 'failed'),
                    retried = retried + (NEW.outcome IN ('retry_scheduled', 'rescued')),
                    cost_usd = cost_usd + COALESCE(NEW.cost_usd, 0)
                WHERE (span_sec = 60 AND bucket_start = substr(NEW.finished_at, 1, 16) || ':00.000Z') OR (span_sec = 900 AND bucket_start = substr(NEW.finished_at, 1, 14) || printf('%02d', (CAST(substr(NEW.finished_at, 15, 2) AS INTEGER) / 15) * 15) || ':00.000Z');
                DELETE FROM agent_activity WHERE bucket_start < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-2 days');
            END
            """,
            """
            CREATE TRIGGER agent_attempts_total_remove AFTER UPDATE ON agent_attempts
            WHEN OLD.finished_at IS NOT NULL BEGIN
                UPDATE agent_attempt_totals SET attempts = attempts - 1,
                    completed = completed - (OLD.outcome = 'completed'), failed = failed - (OLD.outcome = 'failed'),
                    cost_usd = cost_usd - COALESCE(OLD.cost_usd, 0),
                    input_tokens = input_tokens - COALESCE(OLD.input_tokens, 0),
                    output_tokens = output_tokens - COALESCE(OLD.output_tokens, 0)
                WHERE agent = OLD.agent;
                UPDATE agent_activity SET completed = completed - (OLD.outcome = 'completed'),
                    failed = failed - (OLD.outcome = 'failed'),
                    retried = retried - (OLD.outcome IN ('retry_scheduled', 'rescued')),
                    cost_usd = cost_usd - COALESCE(OLD.cost_usd, 0)
                WHERE (span_sec = 60 AND bucket_start = substr(OLD.finished_at, 1, 16) || ':00.000Z') OR (span_sec = 900 AND bucket_start = substr(OLD.finished_at, 1, 14) || printf('%02d', (CAST(substr(OLD.finished_at, 15, 2) AS INTEGER) / 15) * 15) || ':00.000Z');
            END
            """,
            """
            CREATE TRIGGER agent_attempts_total_insert AFTER INSERT ON agent_attempts
            WHEN NEW.finished_at IS NOT NULL BEGIN
                INSERT OR IGNORE INTO agent_attempt_totals (agent) VALUES (NEW.agent);
                UPDATE agent_attempt_totals SET attempts = attempts + 1,
                    completed = completed + (NEW.outcome = 'completed'), failed = failed + (NEW.outcome = 'failed'),
                    cost_usd = cost_usd + COALESCE(NEW.cost_usd, 0),
                    input_tokens = input_tokens + COALESCE(NEW.input_tokens, 0),
                    output_tokens = output_tokens + COALESCE(NEW.output_tokens, 0)
                WHERE agent = NEW.agent;
                INSERT OR IGNORE INTO agent_activity (span_sec, bucket_start) VALUES (60, substr(NEW.finished_at, 1, 16) || ':00.000Z'), (900, substr(NEW.finished_at, 1, 14) || printf('%02d', (CAST(substr(NEW.finished_at, 15, 2) AS INTEGER) / 15) * 15) || ':00.000Z');
                UPDATE agent_activity SET completed = completed + (NEW.outcome = 'completed'),
                    failed = failed + (NEW.outcome = 'failed'),
                    retried = retried + (NEW.outcome IN ('retry_scheduled', 'rescued')),
                    cost_usd = cost_usd + COALESCE(NEW.cost_usd, 0)
                WHERE (span_sec = 60 AND bucket_start = substr(NEW.finished_at, 1, 16) || ':00.000Z') OR (span_sec = 900 AND bucket_start = substr(NEW.finished_at, 1, 14) || printf('%02d', (CAST(substr(NEW.finished_at, 15, 2) AS INTEGER) / 15) * 15) || ':00.000Z');
                DELETE FROM agent_activity WHERE bucket_start < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-2 days');
            END
            """,
            """
            CREATE TRIGGER agent_attempts_total_delete AFTER DELETE ON agent_attempts
            WHEN OLD.finished_at IS NOT NULL BEGIN
                UPDATE agent_attempt_totals SET attempts = attempts - 1,
                    completed = completed - (OLD.outcome = 'completed'), failed = failed - (OLD.outcome = 'failed'),
                    cost_usd = cost_usd - COALESCE(OLD.cost_usd, 0),
                    input_tokens = input_tokens - COALESCE(OLD.input_tokens, 0),
                    output_tokens = output_tokens - COALESCE(OLD.output_tokens, 0)
                WHERE agent = OLD.agent;
            END
            """,
            // Lists: newest first within each filter; the pending ones by run_after for the delayed count.
            "CREATE INDEX agent_tasks_list_status ON agent_tasks (status, created_at)",
            "CREATE INDEX agent_tasks_list_type ON agent_tasks (task_type, created_at)",
            "CREATE INDEX agent_tasks_list_agent ON agent_tasks (agent, created_at)",
            "CREATE INDEX agent_tasks_list_worker ON agent_tasks (assigned_worker_id, created_at) WHERE assigned_worker_id IS NOT NULL",
            "CREATE INDEX agent_tasks_list_batch ON agent_tasks (batch_id, created_at) WHERE batch_id IS NOT NULL",
            "CREATE INDEX agent_tasks_delayed ON agent_tasks (run_after) WHERE status = 'pending'",
            "CREATE INDEX agent_workers_live ON agent_workers (state) WHERE state IN ('running', 'draining')",
            """
            CREATE TABLE agent_hold_actions (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                agent TEXT NOT NULL,
                action TEXT NOT NULL,
                actor TEXT,
                hold_until TEXT,
                reason TEXT,
                created_at TEXT NOT NULL DEFAULT \(now)
            )
            """,
            "CREATE INDEX agent_hold_actions_agent ON agent_hold_actions (agent, id)",
            """
            CREATE TABLE agent_idempotency_keys (
                idempotency_key TEXT PRIMARY KEY NOT NULL,
                fingerprint TEXT NOT NULL,
                task_ids TEXT NOT NULL,
                created_at TEXT NOT NULL
            )
            """,
            "CREATE INDEX agent_idempotency_keys_created ON agent_idempotency_keys (created_at)",
        ]
    )
}
