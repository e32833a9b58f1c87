import AgentTurboSQL

extension PostgresSchema {
    /// Schema 4: what makes stats, metrics and lists cost the same at a million tasks as at a thousand, holds
    /// with an audit trail of their own, and idempotency keys for submits.
    ///
    /// - `agent_task_counts` (tasks per state) and `agent_attempt_totals` (finished attempts, cost and tokens per
    ///   profile) are kept by statement triggers, so every statement that changes a task's state or finishes an
    ///   attempt updates them in its own transaction, whoever writes it (agent-turbo or plain SQL). Each
    ///   statement adds one row per state it changed (not one per task) to the shard of its connection
    ///   (`pg_backend_pid() % 16`), in a fixed order: concurrent claimers rarely meet on a counter row, and when
    ///   they do they lock in the same order. Readers sum the shards.
    /// - One index per list filter, each in the list's order (`created_at DESC, seq DESC`).
    /// - `agent_hold_actions`: the audit trail of holds (`agent_actions.task_id` must name a task; a hold names a
    ///   profile). Deleting a hold notifies waiting workers, so held tasks start at once.
    /// - `agent_idempotency_keys`: a submit's key, a fingerprint of its body and the ids it added.
    static let statsAndHolds = Migration(
        version: 4,
        name: "counters kept by triggers, list indexes, hold audit trail, idempotency keys",
        statements: [
            // Writers wait while the counters are filled from the rows, so the first values are exact.
            "LOCK TABLE agent_tasks, agent_attempts IN SHARE MODE",
            """
            CREATE TABLE agent_task_counts (
                status TEXT NOT NULL,
                shard INTEGER NOT NULL,
                n BIGINT NOT NULL DEFAULT 0,
                PRIMARY KEY (status, shard)
            )
            """,
            """
            INSERT INTO agent_task_counts (status, shard, n)
            SELECT s.status, 0, (SELECT COUNT(*) FROM agent_tasks t WHERE t.status = s.status)
            FROM (VALUES ('pending'), ('running'), ('completed'), ('failed'), ('cancelled')) AS s (status)
            """,
            """
            CREATE FUNCTION agent_turbo_count_tasks() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE
                my_shard integer := pg_backend_pid() % 16;
            BEGIN
                IF TG_OP = 'INSERT' THEN
                    INSERT INTO agent_task_counts AS c (status, shard, n)
                    SELECT status, my_shard, COUNT(*) FROM new_rows GROUP BY status ORDER BY status
                    ON CONFLICT (status, shard) DO UPDATE SET n = c.n + excluded.n;
                ELSIF TG_OP = 'DELETE' THEN
                    INSERT INTO agent_task_counts AS c (status, shard, n)
                    SELECT status, my_shard, -COUNT(*) FROM old_rows GROUP BY status ORDER BY status
                    ON CONFLICT (status, shard) DO UPDATE SET n = c.n + excluded.n;
                ELSE
                    INSERT INTO agent_task_counts AS c (status, shard, n)
                    SELECT status, my_shard, SUM(d) FROM (
                        SELECT status, -1 AS d FROM old_rows UNION ALL SELECT status, 1 AS d FROM new_rows
                    ) AS changes GROUP BY status HAVING SUM(d) <> 0 ORDER BY status
                    ON CONFLICT (status, shard) DO UPDATE SET n = c.n + excluded.n;
                END IF;
                RETURN NULL;
            END $$
            """,
            """
            CREATE TRIGGER agent_tasks_count_insert AFTER INSERT ON agent_tasks
            REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION agent_turbo_count_tasks()
            """,
            """
            CREATE TRIGGER agent_tasks_count_update AFTER UPDATE ON agent_tasks
            REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION agent_turbo_count_tasks()
            """,
            """
            CREATE TRIGGER agent_tasks_count_delete AFTER DELETE ON agent_tasks
            REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION agent_turbo_count_tasks()
            """,
            """
            CREATE TABLE agent_attempt_totals (
                agent TEXT NOT NULL,
                shard INTEGER NOT NULL,
                attempts BIGINT NOT NULL DEFAULT 0,
                completed BIGINT NOT NULL DEFAULT 0,
                failed BIGINT NOT NULL DEFAULT 0,
                cost_usd DOUBLE PRECISION NOT NULL DEFAULT 0,
                input_tokens BIGINT NOT NULL DEFAULT 0,
                output_tokens BIGINT NOT NULL DEFAULT 0,
                PRIMARY KEY (agent, shard)
            )
            """,
            """
            INSERT INTO agent_attempt_totals (agent, shard, attempts, completed, failed, cost_usd, input_tokens, output_tokens)
            SELECT agent, 0, COUNT(*), COUNT(*) FILTER (WHERE outcome = 'completed'),
                COUNT(*) FILTER (WHERE outcome = 'failed'), COALESCE(SUM(cost_usd), 0),
                COALESCE(SUM(input_tokens), 0), COALESCE(SUM(output_tokens), 0)
            FROM agent_attempts WHERE finished_at IS NOT NULL GROUP BY agent
            """,
            // A finished attempt counts once: added when it finishes, taken out when it is deleted (prune) or
            // changed again, so an outcome recorded late replaces the one it had.
            """
            CREATE FUNCTION agent_turbo_add_attempt_totals(my_shard integer, changes jsonb) RETURNS void
            LANGUAGE sql AS $$
                INSERT INTO agent_attempt_totals AS t
                    (agent, shard, attempts, completed, failed, cost_usd, input_tokens, output_tokens)
                SELECT agent, my_shard, SUM(sign), COALESCE(SUM(sign) FILTER (WHERE outcome = 'completed'), 0),
                    COALESCE(SUM(sign) FILTER (WHERE outcome = 'failed'), 0), SUM(sign * COALESCE(cost_usd, 0)),
                    SUM(sign * COALESCE(input_tokens, 0)), SUM(sign * COALESCE(output_tokens, 0))
                FROM jsonb_to_recordset(changes) AS c (agent text, outcome text, cost_usd double precision,
                    input_tokens bigint, output_tokens bigint, sign integer)
                GROUP BY agent
                HAVING SUM(sign) <> 0 OR SUM(sign * COALESCE(cost_usd, 0)) <> 0
                    OR SUM(sign * COALESCE(input_tokens, 0)) <> 0 OR SUM(sign * COALESCE(output_tokens, 0)) <> 0
                    OR COALESCE(SUM(sign) FILTER (WHERE outcome IN ('completed', 'failed')), 0) <> 0
                ORDER BY agent
                ON CONFLICT (agent, shard) DO UPDATE SET attempts = t.attempts + excluded.attempts,
                    completed = t.completed + excluded.completed, failed = t.failed + excluded.failed,
                    cost_usd = t.cost_usd + excluded.cost_usd, input_tokens = t.input_tokens + excluded.input_tokens,
                    output_tokens = t.output_tokens + excluded.output_tokens
            $$
            """,
            // Finished attempts per minute and per quarter hour (span_sec 60 and 900, aligned in UTC by epoch) for
            // the charts of the last hour and day: a chart reads at most 97 rows. Kept two days.
            """
            CREATE TABLE agent_activity (
                span_sec INTEGER NOT NULL,
                bucket_start TIMESTAMPTZ NOT NULL,
                shard INTEGER NOT NULL,
                completed BIGINT NOT NULL DEFAULT 0,
                failed BIGINT NOT NULL DEFAULT 0,
                retried BIGINT NOT NULL DEFAULT 0,
                cost_usd DOUBLE PRECISION NOT NULL DEFAULT 0,
                PRIMARY KEY (span_sec, bucket_start, shard)
            )
            """,
            """
            INSERT INTO agent_activity (span_sec, bucket_start, shard, completed, failed, retried, cost_usd)
            SELECT s.span, to_timestamp(floor(extract(epoch FROM finished_at) / s.span) * s.span), 0,
                COUNT(*) FILTER (WHERE outcome = 'completed'), COUNT(*) FILTER (WHERE outcome = 'failed'),
                COUNT(*) FILTER (WHERE outcome IN ('retry_scheduled', 'rescued')), COALESCE(SUM(cost_usd), 0)
            FROM agent_attempts CROSS JOIN (VALUES (60), (900)) AS s (span)
            WHERE finished_at >= now() - interval '2 days'
            GROUP BY 1, 2
            """,
            """
            CREATE FUNCTION agent_turbo_add_activity(my_shard integer, changes jsonb) RETURNS void
            LANGUAGE sql AS $$
                INSERT INTO agent_activity AS a (span_sec, bucket_start, shard, completed, failed, retried, cost_usd)
                SELECT s.span, to_timestamp(floor(extract(epoch FROM c.finished_at) / s.span) * s.span), my_shard,
                    COALESCE(SUM(c.sign) FILTER (WHERE c.outcome = 'completed'), 0),
                    COALESCE(SUM(c.sign) FILTER (WHERE c.outcome = 'failed'), 0),
                    COALESCE(SUM(c.sign) FILTER (WHERE c.outcome IN ('retry_scheduled', 'rescued')), 0),
                    SUM(c.sign * COALESCE(c.cost_usd, 0))
                FROM jsonb_to_recordset(changes) AS c (finished_at timestamptz, outcome text,
                    cost_usd double precision, sign integer)
                CROSS JOIN (VALUES (60), (900)) AS s (span)
                GROUP BY 1, 2
                ORDER BY 1, 2
                ON CONFLICT (span_sec, bucket_start, shard) DO UPDATE SET completed = a.completed + excluded.completed,
                    failed = a.failed + excluded.failed, retried = a.retried + excluded.retried,
                    cost_usd = a.cost_usd + excluded.cost_usd;
                DELETE FROM agent_activity WHERE bucket_start < now() - interval '2 days';
            $$
            """,
            """
            CREATE FUNCTION agent_turbo_total_attempts() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE
                my_shard integer := pg_backend_pid() % 16;
                changes jsonb;
            BEGIN
                IF TG_OP = 'INSERT' THEN
                    SELECT jsonb_agg(to_jsonb(r) || '{"sign": 1}') INTO changes
                    FROM new_rows r WHERE finished_at IS NOT NULL;
                ELSIF TG_OP = 'DELETE' THEN
                    SELECT jsonb_agg(to_jsonb(r) || '{"sign": -1}') INTO changes
                    FROM old_rows r WHERE finished_at IS NOT NULL;
                ELSE
                    SELECT jsonb_agg(x) INTO changes FROM (
                        SELECT to_jsonb(o) || '{"sign": -1}' AS x FROM old_rows o WHERE finished_at IS NOT NULL
                        UNION ALL
                        SELECT to_jsonb(n) || '{"sign": 1}' FROM new_rows n WHERE finished_at IS NOT NULL
                    ) AS both_sides;
                END IF;
                IF changes IS NOT NULL THEN
                    PERFORM agent_turbo_add_attempt_totals(my_shard, changes);
                    -- Deleting old attempts (prune) leaves the activity of their day alone.
                    IF TG_OP <> 'DELETE' THEN
                        PERFORM agent_turbo_add_activity(my_shard, changes);
                    END IF;
                END IF;
                RETURN NULL;
            END $$
            """,
            """
            CREATE TRIGGER agent_attempts_total_insert AFTER INSERT ON agent_attempts
            REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION agent_turbo_total_attempts()
            """,
            """
            CREATE TRIGGER agent_attempts_total_update AFTER UPDATE ON agent_attempts
            REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION agent_turbo_total_attempts()
            """,
            """
            CREATE TRIGGER agent_attempts_total_delete AFTER DELETE ON agent_attempts
            REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION agent_turbo_total_attempts()
            """,
            // TRUNCATE (by hand) empties the counters with the tables.
            """
            CREATE FUNCTION agent_turbo_reset_counts() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_TABLE_NAME = 'agent_tasks' THEN
                    DELETE FROM agent_task_counts;
                END IF;
                DELETE FROM agent_attempt_totals;
                DELETE FROM agent_activity;
                RETURN NULL;
            END $$
            """,
            """
            CREATE TRIGGER agent_tasks_count_truncate AFTER TRUNCATE ON agent_tasks
            FOR EACH STATEMENT EXECUTE FUNCTION agent_turbo_reset_counts()
            """,
            """
            CREATE TRIGGER agent_attempts_total_truncate AFTER TRUNCATE ON agent_attempts
            FOR EACH STATEMENT EXECUTE FUNCTION agent_turbo_reset_counts()
            """,
            // Lists: newest first within each filter; the pending ones by run_after for the delayed count.
            "CREATE INDEX agent_tasks_list_status ON agent_tasks (status, created_at DESC, seq DESC)",
            "CREATE INDEX agent_tasks_list_type ON agent_tasks (task_type, created_at DESC, seq DESC)",
            "CREATE INDEX agent_tasks_list_agent ON agent_tasks (agent, created_at DESC, seq DESC)",
            """
            CREATE INDEX agent_tasks_list_worker ON agent_tasks (assigned_worker_id, created_at DESC, seq DESC)
            WHERE assigned_worker_id IS NOT NULL
            """,
            """
            CREATE INDEX agent_tasks_list_batch ON agent_tasks (batch_id, created_at DESC, seq DESC)
            WHERE batch_id IS NOT NULL
            """,
            "CREATE INDEX agent_tasks_delayed ON agent_tasks (run_after) WHERE status = 'pending'",
            "CREATE INDEX agent_workers_live ON agent_workers (state) WHERE state IN ('running', 'draining')",
            """
            CREATE TABLE agent_hold_actions (
                id BIGSERIAL PRIMARY KEY,
                agent TEXT NOT NULL,
                action TEXT NOT NULL,
                actor TEXT,
                hold_until TIMESTAMPTZ,
                reason TEXT,
                created_at TIMESTAMPTZ NOT NULL DEFAULT now()
            )
            """,
            "CREATE INDEX agent_hold_actions_agent ON agent_hold_actions (agent, id)",
            """
            CREATE TRIGGER agent_holds_notify_clear AFTER DELETE ON agent_holds
            FOR EACH STATEMENT EXECUTE FUNCTION agent_turbo_notify_tasks()
            """,
            """
            CREATE TABLE agent_idempotency_keys (
                idempotency_key TEXT PRIMARY KEY,
                fingerprint TEXT NOT NULL,
                task_ids JSONB NOT NULL,
                created_at TIMESTAMPTZ NOT NULL
            )
            """,
            "CREATE INDEX agent_idempotency_keys_created ON agent_idempotency_keys (created_at)",
        ]
    )
}
