import AgentTurboSQL

/// The SQLite schema, one migration per version. Column names match PostgreSQL's exactly.
enum SQLiteSchema {
    static let now = "(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"

    static let migrations: [Migration] = [
        Migration(
            version: 1,
            name: "tasks, audit trail, attempts, output, workers, holds, leaders",
            statements: [
                """
                CREATE TABLE agent_tasks (
                    task_id TEXT PRIMARY KEY NOT NULL,
                    task_type TEXT NOT NULL DEFAULT 'general',
                    task_description TEXT NOT NULL,
                    task_priority INTEGER NOT NULL DEFAULT 5,
                    status TEXT NOT NULL DEFAULT 'pending'
                        CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled')),
                    timeout_seconds INTEGER NOT NULL DEFAULT 300,
                    max_retries INTEGER NOT NULL DEFAULT 3,
                    retry_count INTEGER NOT NULL DEFAULT 0,
                    attempt INTEGER NOT NULL DEFAULT 0,
                    assigned_worker_id TEXT,
                    created_at TEXT NOT NULL DEFAULT \(now),
                    updated_at TEXT NOT NULL DEFAULT \(now),
                    started_at TEXT,
                    completed_at TEXT,
                    duration_sec REAL,
                    result TEXT,
                    error TEXT,
                    agent TEXT NOT NULL DEFAULT 'claude',
                    working_dir TEXT,
                    agent_options TEXT NOT NULL DEFAULT '{}',
                    run_after TEXT NOT NULL DEFAULT \(now),
                    lease_expires_at TEXT,
                    cancel_requested INTEGER NOT NULL DEFAULT 0,
                    exit_code INTEGER,
                    error_kind TEXT,
                    session_id TEXT,
                    cost_usd REAL,
                    input_tokens INTEGER,
                    output_tokens INTEGER,
                    num_turns INTEGER,
                    peak_memory_bytes INTEGER,
                    cpu_user_sec REAL,
                    cpu_system_sec REAL,
                    batch_id TEXT,
                    progress TEXT
                )
                """,
                "CREATE INDEX agent_tasks_batch ON agent_tasks (batch_id) WHERE batch_id IS NOT NULL",
                "CREATE INDEX agent_tasks_claim ON agent_tasks (task_priority DESC) WHERE status = 'pending'",
                "CREATE INDEX agent_tasks_lease ON agent_tasks (lease_expires_at) WHERE status = 'running'",
                "CREATE INDEX agent_tasks_created ON agent_tasks (created_at)",
                "CREATE INDEX agent_tasks_status ON agent_tasks (status, completed_at)",
                """
                CREATE TABLE agent_actions (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    task_id TEXT NOT NULL REFERENCES agent_tasks (task_id) ON DELETE CASCADE,
                    action TEXT NOT NULL,
                    worker_id TEXT,
                    details TEXT,
                    created_at TEXT NOT NULL DEFAULT \(now)
                )
                """,
                "CREATE INDEX agent_actions_task ON agent_actions (task_id, id)",
                """
                CREATE TABLE agent_attempts (
                    task_id TEXT NOT NULL REFERENCES agent_tasks (task_id) ON DELETE CASCADE,
                    attempt INTEGER NOT NULL,
                    worker_id TEXT NOT NULL,
                    agent TEXT NOT NULL,
                    started_at TEXT NOT NULL,
                    finished_at TEXT,
                    outcome TEXT NOT NULL,
                    error_kind TEXT,
                    error TEXT,
                    exit_code INTEGER,
                    duration_sec REAL,
                    cost_usd REAL,
                    input_tokens INTEGER,
                    output_tokens INTEGER,
                    num_turns INTEGER,
                    peak_memory_bytes INTEGER,
                    cpu_user_sec REAL,
                    cpu_system_sec REAL,
                    PRIMARY KEY (task_id, attempt)
                )
                """,
                "CREATE INDEX agent_attempts_finished ON agent_attempts (finished_at)",
                """
                CREATE TABLE agent_task_output (
                    task_id TEXT NOT NULL REFERENCES agent_tasks (task_id) ON DELETE CASCADE,
                    attempt INTEGER NOT NULL,
                    seq INTEGER NOT NULL,
                    stream TEXT NOT NULL,
                    data BLOB NOT NULL,
                    created_at TEXT NOT NULL,
                    PRIMARY KEY (task_id, attempt, seq)
                )
                """,
                """
                CREATE TABLE agent_workers (
                    worker_id TEXT PRIMARY KEY NOT NULL,
                    hostname TEXT NOT NULL,
                    pid INTEGER NOT NULL,
                    concurrency INTEGER NOT NULL,
                    state TEXT NOT NULL,
                    version TEXT NOT NULL,
                    started_at TEXT NOT NULL,
                    last_heartbeat_at TEXT NOT NULL,
                    stopped_at TEXT,
                    running_tasks INTEGER NOT NULL DEFAULT 0,
                    hold_reason TEXT
                )
                """,
                """
                CREATE TABLE agent_holds (
                    agent TEXT PRIMARY KEY NOT NULL,
                    hold_until TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    updated_at TEXT NOT NULL
                )
                """,
                """
                CREATE TABLE agent_turbo_leaders (
                    role TEXT PRIMARY KEY NOT NULL,
                    holder TEXT NOT NULL,
                    expires_at TEXT NOT NULL
                )
                """,
            ]
        ),
        // Queue wait (ready to started) for stats and /metrics; attempts from before stay NULL.
        Migration(
            version: 2,
            name: "when each attempt's task became ready",
            statements: [
                "ALTER TABLE agent_attempts ADD COLUMN ready_at TEXT",
                "CREATE INDEX agent_attempts_ready ON agent_attempts (started_at) WHERE ready_at IS NOT NULL",
            ]
        ),
        // A retried task's previous outcome stays on its attempt row; rate limits end after a total wait.
        Migration(
            version: 3,
            name: "each attempt's result and session; the time a task waited for rate limits",
            statements: [
                "ALTER TABLE agent_attempts ADD COLUMN result TEXT",
                "ALTER TABLE agent_attempts ADD COLUMN session_id TEXT",
                "ALTER TABLE agent_tasks ADD COLUMN rate_limited_sec REAL NOT NULL DEFAULT 0",
            ]
        ),
        statsAndHolds,
        // Workspaces (issue 14): the repository, worktree and base a task asks for; its branch, base and head
        // commits and diff summary; the worktrees on each worker's host and the disk they take.
        Migration(
            version: 5,
            name: "task worktrees and branches",
            statements: [
                "ALTER TABLE agent_tasks ADD COLUMN repo TEXT",
                "ALTER TABLE agent_tasks ADD COLUMN worktree INTEGER NOT NULL DEFAULT 0",
                "ALTER TABLE agent_tasks ADD COLUMN base TEXT",
                "ALTER TABLE agent_tasks ADD COLUMN branch TEXT",
                "ALTER TABLE agent_tasks ADD COLUMN base_commit TEXT",
                "ALTER TABLE agent_tasks ADD COLUMN head_commit TEXT",
                "ALTER TABLE agent_tasks ADD COLUMN files_changed INTEGER",
                "ALTER TABLE agent_tasks ADD COLUMN lines_added INTEGER",
                "ALTER TABLE agent_tasks ADD COLUMN lines_removed INTEGER",
                "ALTER TABLE agent_workers ADD COLUMN worktrees INTEGER NOT NULL DEFAULT 0",
                "ALTER TABLE agent_workers ADD COLUMN worktree_bytes INTEGER NOT NULL DEFAULT 0",
            ]
        ),
        // Spooled output (issue 16): the bytes of agent output each worker's host holds in attempt spools, not yet
        // shipped to the database or removed.
        Migration(
            version: 6,
            name: "spooled output per worker host",
            statements: [
                "ALTER TABLE agent_workers ADD COLUMN spool_bytes INTEGER NOT NULL DEFAULT 0",
            ]
        ),
    ]
}
