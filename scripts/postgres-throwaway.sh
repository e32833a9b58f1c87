#!/usr/bin/env bash
# postgres-throwaway.sh: throwaway PostgreSQL servers for Agent Turbo's tests and benchmarks.
#
# Usage:
#   postgres-throwaway.sh start DIR        initdb DIR/data if needed, start on a free 127.0.0.1 port,
#                                           create database agent_turbo_test, print `export ...` lines
#   postgres-throwaway.sh stop DIR         fast shutdown (idempotent: ok if not running / DIR missing)
#   postgres-throwaway.sh restart DIR      fast shutdown, then start again on the same port
#   postgres-throwaway.sh kill DIR         immediate shutdown, like a crash (pg_ctl stop -m immediate)
#   postgres-throwaway.sh startagain DIR   start an existing data dir again on the same port
#   postgres-throwaway.sh standby PRIMARY_DIR STANDBY_DIR
#                                           pg_basebackup -R a streaming hot standby of the running
#                                           primary, start it on another free port, wait until streaming
#   postgres-throwaway.sh promote DIR      promote a standby, wait until pg_is_in_recovery() is false
#   postgres-throwaway.sh psql DIR [ARGS]  psql as the superuser over DIR's unix socket
#                                           (default database agent_turbo_test; -d/-c/... pass through)
#   postgres-throwaway.sh env DIR          print the `export ...` lines again
#   postgres-throwaway.sh status DIR       exit 0 if running, 3 if not
#   postgres-throwaway.sh destroy DIR      immediate stop, then rm -rf DIR
#
# `start`, `startagain`, `restart` and `env` print to stdout (everything else goes to stderr):
#   export AGENT_TURBO_TEST_POSTGRES_URL=postgres://agent_turbo:agent_turbo@127.0.0.1:PORT/agent_turbo_test
#   export AGENT_TURBO_TEST_PG_DIR=DIR
#   export AGENT_TURBO_TEST_PG_BIN=/usr/lib/postgresql/15/bin
#   export AGENT_TURBO_TEST_PG_PORT=PORT
# `standby` prints AGENT_TURBO_TEST_STANDBY_PORT, AGENT_TURBO_TEST_STANDBY_URL, AGENT_TURBO_TEST_STANDBY_DIR.
# Typical use:  eval "$(scripts/postgres-throwaway.sh start /tmp/at-pg)"
#
# Environment (optional): AGENT_TURBO_PG_USER (default agent_turbo), AGENT_TURBO_PG_PASSWORD
# (default agent_turbo; keep it URL-safe), AGENT_TURBO_PG_DATABASE (default agent_turbo_test),
# AGENT_TURBO_TEST_PG_BIN (server binaries folder; detected otherwise).
#
# Layout of DIR: data/ (PGDATA), postgres.log, agent_turbo.state (port, user, ...), sock/ (unix socket;
# a short folder under /tmp instead when DIR's path is too long for a socket).
# Password auth (scram-sha-256) on 127.0.0.1 TCP, trust on the unix socket. The server runs as the
# `postgres` OS user when this script runs as root, otherwise as the calling user.
set -euo pipefail

readonly DEFAULT_USER="${AGENT_TURBO_PG_USER:-agent_turbo}"
readonly DEFAULT_PASSWORD="${AGENT_TURBO_PG_PASSWORD:-agent_turbo}"
readonly DEFAULT_DATABASE="${AGENT_TURBO_PG_DATABASE:-agent_turbo_test}"
readonly STATE_FILE_NAME="agent_turbo.state"
readonly WAIT_SECONDS=60

log() { printf 'postgres-throwaway: %s\n' "$*" >&2; }
die() {
    printf 'postgres-throwaway: error: %s\n' "$*" >&2
    exit 1
}

usage() {
    sed -n '2,/^set -euo pipefail/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
    exit 2
}

# ---------------------------------------------------------------- OS user and binaries

RUN_AS=""   # OS user that owns and runs the server

setup_run_as() {
    if [[ $EUID -eq 0 ]]; then
        if ! id postgres >/dev/null 2>&1; then
            log "creating OS user postgres"
            useradd --system --user-group --no-create-home --home-dir /var/lib/postgresql \
                --shell /bin/bash postgres \
                || die "could not create the OS user postgres"
        fi
        RUN_AS=postgres
    else
        RUN_AS="$(id -un)"
    fi
}

# Run a command as the server's OS user, from a folder it can read.
as_pg() {
    local cwd="${AS_PG_CWD:-/}"
    if [[ $EUID -eq 0 ]]; then
        (cd "$cwd" && runuser -u "$RUN_AS" -- "$@")
    else
        (cd "$cwd" && "$@")
    fi
}

find_pg_bin() {
    local candidate
    if [[ -n "${AGENT_TURBO_TEST_PG_BIN:-}" && -x "${AGENT_TURBO_TEST_PG_BIN}/postgres" ]]; then
        printf '%s\n' "$AGENT_TURBO_TEST_PG_BIN"
        return 0
    fi
    # Highest installed major version first.
    while IFS= read -r candidate; do
        if [[ -x "$candidate/initdb" && -x "$candidate/postgres" && -x "$candidate/pg_ctl" ]]; then
            printf '%s\n' "$candidate"
            return 0
        fi
    done < <(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -t/ -k5,5 -rn)
    if command -v pg_config >/dev/null 2>&1; then
        candidate="$(pg_config --bindir 2>/dev/null || true)"
        if [[ -n "$candidate" && -x "$candidate/initdb" && -x "$candidate/postgres" ]]; then
            printf '%s\n' "$candidate"
            return 0
        fi
    fi
    return 1
}

PG_BIN=""

ensure_pg_bin() {
    if PG_BIN="$(find_pg_bin)"; then
        return 0
    fi
    [[ $EUID -eq 0 ]] || die "PostgreSQL server binaries not found and not root: install the Debian package 'postgresql' (or set AGENT_TURBO_TEST_PG_BIN)"
    log "PostgreSQL server binaries not found: installing the Debian package postgresql"
    # Ask Debian's postinst not to create and start its own 'main' cluster on port 5432.
    mkdir -p /etc/postgresql-common/createcluster.d
    printf 'create_main_cluster = false\n' >/etc/postgresql-common/createcluster.d/agent-turbo.conf
    if ! { DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
            -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
            postgresql >&2; }; then
        die "could not install PostgreSQL with 'apt-get install -y postgresql'; install it by hand (Debian package postgresql) and retry"
    fi
    PG_BIN="$(find_pg_bin)" || die "installed the package postgresql but found no server binaries under /usr/lib/postgresql/*/bin"
}

# ---------------------------------------------------------------- folders and state

DIR=""
DATA=""
STATE=""
LOGFILE=""
# state values
S_PORT=""
S_USER=""
S_PASSWORD=""
S_DATABASE=""
S_SOCKDIR=""

# Make every ancestor of $1 traversable by the server's OS user.
make_traversable() {
    local path="$1" prefix="" part
    [[ $EUID -eq 0 ]] || return 0
    local -a parts
    IFS='/' read -r -a parts <<<"${path#/}"
    for part in "${parts[@]}"; do
        [[ -n "$part" ]] || continue
        prefix="$prefix/$part"
        [[ -d "$prefix" ]] || break
        if ! runuser -u "$RUN_AS" -- test -x "$prefix" 2>/dev/null; then
            log "chmod o+x $prefix so that $RUN_AS can reach the server folder"
            chmod o+x "$prefix"
        fi
    done
}

# set_dir DIR create?: resolve DIR and its files.
set_dir() {
    local raw="$1" create="$2"
    [[ -n "$raw" ]] || die "missing DIR"
    if [[ "$create" == yes ]]; then
        mkdir -p -- "$raw"
    fi
    if [[ -d "$raw" ]]; then
        DIR="$(cd -- "$raw" && pwd -P)"
    else
        DIR="$(realpath -m -- "$raw")"
    fi
    DATA="$DIR/data"
    STATE="$DIR/$STATE_FILE_NAME"
    LOGFILE="$DIR/postgres.log"
    if [[ "$create" == yes ]]; then
        make_traversable "$DIR"
        if [[ $EUID -eq 0 ]]; then
            chown "$RUN_AS:" "$DIR"
        fi
        chmod 0755 "$DIR"
    fi
}

read_state() {
    S_PORT="" S_USER="" S_PASSWORD="" S_DATABASE="" S_SOCKDIR=""
    [[ -f "$STATE" ]] || return 1
    local key value
    while IFS='=' read -r key value; do
        case "$key" in
            PORT) S_PORT="$value" ;;
            USER) S_USER="$value" ;;
            PASSWORD) S_PASSWORD="$value" ;;
            DATABASE) S_DATABASE="$value" ;;
            SOCKDIR) S_SOCKDIR="$value" ;;
            *) ;;
        esac
    done <"$STATE"
    [[ -n "$S_PORT" && -n "$S_USER" && -n "$S_SOCKDIR" ]]
}

write_state() {
    local tmp="$STATE.tmp"
    {
        printf 'PORT=%s\n' "$S_PORT"
        printf 'USER=%s\n' "$S_USER"
        printf 'PASSWORD=%s\n' "$S_PASSWORD"
        printf 'DATABASE=%s\n' "$S_DATABASE"
        printf 'SOCKDIR=%s\n' "$S_SOCKDIR"
    } >"$tmp"
    chmod 0644 "$tmp"
    mv -f "$tmp" "$STATE"
}

require_state() {
    read_state || die "$DIR is not a server folder made by this script (no $STATE_FILE_NAME): run 'start' first"
    [[ -f "$DATA/PG_VERSION" ]] || die "$DATA holds no initialized PostgreSQL data"
}

# The unix socket path must stay under ~107 bytes: use DIR/sock when short enough.
choose_sockdir() {
    local candidate="$DIR/sock"
    if ((${#candidate} + 20 > 100)); then
        candidate="$(mktemp -d /tmp/agent-turbo-pg.XXXXXX)"
        log "DIR path too long for a unix socket: using $candidate"
    fi
    S_SOCKDIR="$candidate"
}

ensure_sockdir() {
    mkdir -p -- "$S_SOCKDIR"
    if [[ $EUID -eq 0 ]]; then
        make_traversable "$S_SOCKDIR"
        chown "$RUN_AS:" "$S_SOCKDIR"
    fi
    chmod 0755 "$S_SOCKDIR"
}

# ---------------------------------------------------------------- ports

port_is_free() {
    local port="$1"
    # Something listening answers a connect: taken.
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        return 1
    fi
    if command -v python3 >/dev/null 2>&1; then
        python3 - "$port" <<'PY' 2>/dev/null || return 1
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.close()
PY
    fi
    return 0
}

# A free loopback port below Linux's ephemeral range (32768+), so that outgoing connections don't take it.
pick_free_port() {
    local tries=0 port
    while ((tries < 200)); do
        port=$((15000 + (RANDOM % 17000)))
        if port_is_free "$port"; then
            printf '%s\n' "$port"
            return 0
        fi
        tries=$((tries + 1))
    done
    die "found no free TCP port on 127.0.0.1"
}

# ---------------------------------------------------------------- server control

server_pid() {
    local pid
    [[ -f "$DATA/postmaster.pid" ]] || return 1
    pid="$(head -n 1 "$DATA/postmaster.pid" 2>/dev/null || true)"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    printf '%s\n' "$pid"
}

is_running() {
    local pid comm state
    pid="$(server_pid)" || return 1
    [[ -d "/proc/$pid" ]] || return 1
    comm="$(cat "/proc/$pid/comm" 2>/dev/null || true)"
    [[ "$comm" == postgres || "$comm" == postmaster ]] || return 1
    # A killed postmaster that nobody reaped yet is a zombie: not running.
    state="$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1 || true)"
    [[ -n "$state" && "$state" != Z && "$state" != X ]] || return 1
    # Same data folder?
    [[ "$(sed -n 2p "$DATA/postmaster.pid" 2>/dev/null)" == "$DATA" ]]
}

clean_stale_pid() {
    if [[ -f "$DATA/postmaster.pid" ]] && ! is_running; then
        log "removing stale $DATA/postmaster.pid"
        rm -f -- "$DATA/postmaster.pid"
    fi
    if [[ -n "$S_SOCKDIR" && -d "$S_SOCKDIR" ]] && ! is_running; then
        rm -f -- "$S_SOCKDIR"/.s.PGSQL.*
    fi
}

# Server settings, rewritten before every start (pg_basebackup copies them, so a standby rewrites its own).
write_server_conf() {
    local conf="$DATA/agent_turbo.conf"
    {
        printf '# Written by scripts/postgres-throwaway.sh before each start; edits are lost.\n'
        printf "listen_addresses = '127.0.0.1'\n"
        printf 'port = %s\n' "$S_PORT"
        printf "unix_socket_directories = '%s'\n" "$S_SOCKDIR"
        printf 'max_connections = 200\n'
        printf 'fsync = off\n'
        printf 'wal_level = replica\n'
        printf 'max_wal_senders = 10\n'
        printf 'max_replication_slots = 10\n'
        printf 'wal_keep_size = 256MB\n'
        printf 'hot_standby = on\n'
        printf 'hot_standby_feedback = on\n'
        printf "password_encryption = 'scram-sha-256'\n"
        printf "log_line_prefix = '%%m [%%p] %%q%%u@%%d '\n"
        printf "log_min_messages = warning\n"
        printf "timezone = 'UTC'\n"
        printf "log_timezone = 'UTC'\n"
    } >"$conf"
    if ! grep -q "^include_if_exists = 'agent_turbo.conf'" "$DATA/postgresql.conf"; then
        printf "\ninclude_if_exists = 'agent_turbo.conf'\n" >>"$DATA/postgresql.conf"
    fi
    cat >"$DATA/pg_hba.conf" <<'HBA'
# Written by scripts/postgres-throwaway.sh: trust on the unix socket, passwords on 127.0.0.1.
local   all           all                    trust
local   replication   all                    trust
host    all           all     127.0.0.1/32   scram-sha-256
host    replication   all     127.0.0.1/32   scram-sha-256
HBA
    if [[ $EUID -eq 0 ]]; then
        chown "$RUN_AS:" "$conf" "$DATA/pg_hba.conf" "$DATA/postgresql.conf"
    fi
    chmod 0600 "$conf" "$DATA/pg_hba.conf"
}

pg_ctl_() { AS_PG_CWD="$DIR" as_pg "$PG_BIN/pg_ctl" -D "$DATA" "$@"; }

wait_ready() {
    local i
    for ((i = 0; i < WAIT_SECONDS * 4; i++)); do
        if AS_PG_CWD="$DIR" as_pg "$PG_BIN/pg_isready" -q -h "$S_SOCKDIR" -p "$S_PORT" -d postgres 2>/dev/null &&
            "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$S_PORT" -d postgres 2>/dev/null; then
            return 0
        fi
        sleep 0.25
    done
    return 1
}

# start_server same_port_only: start the initialized data dir; returns 0 when ready.
start_server() {
    local same_port_only="$1" attempt
    if is_running; then
        log "server in $DIR already running (pid $(server_pid), port $S_PORT)"
        wait_ready || die "server in $DIR runs but does not accept connections; see $LOGFILE"
        return 0
    fi
    clean_stale_pid
    ensure_sockdir
    for attempt in 1 2 3; do
        if ! port_is_free "$S_PORT"; then
            if [[ "$same_port_only" == yes ]]; then
                # The port may still be held for a moment by a server that just stopped.
                local i
                for ((i = 0; i < 40; i++)); do
                    port_is_free "$S_PORT" && break
                    sleep 0.25
                done
                port_is_free "$S_PORT" || die "port $S_PORT of $DIR is taken by another process"
            else
                local old="$S_PORT"
                S_PORT="$(pick_free_port)"
                log "port $old is taken: using $S_PORT"
            fi
        fi
        write_state
        write_server_conf
        touch "$LOGFILE"
        if [[ $EUID -eq 0 ]]; then
            chown "$RUN_AS:" "$LOGFILE"
        fi
        log "starting PostgreSQL ($PG_BIN) in $DATA on 127.0.0.1:$S_PORT, log $LOGFILE"
        if pg_ctl_ start -w -t "$WAIT_SECONDS" -l "$LOGFILE" >&2; then
            wait_ready || die "server in $DIR started but does not accept connections; see $LOGFILE"
            return 0
        fi
        if [[ "$same_port_only" != yes ]] && tail -n 20 "$LOGFILE" | grep -qi 'could not bind\|address already in use'; then
            log "port $S_PORT was taken while starting: retrying on another port (attempt $attempt)"
            S_PORT="$(pick_free_port)"
            clean_stale_pid
            continue
        fi
        tail -n 30 "$LOGFILE" >&2 || true
        die "PostgreSQL did not start in $DIR; see $LOGFILE"
    done
    die "PostgreSQL did not start in $DIR after 3 attempts; see $LOGFILE"
}

stop_server() {
    local mode="$1"
    if ! is_running; then
        clean_stale_pid
        log "server in $DIR is not running"
        return 0
    fi
    log "stopping server in $DIR (mode $mode)"
    if ! pg_ctl_ stop -m "$mode" -w -t "$WAIT_SECONDS" >&2; then
        if is_running; then
            log "pg_ctl stop -m $mode timed out: stopping with -m immediate"
            pg_ctl_ stop -m immediate -w -t "$WAIT_SECONDS" >&2 || die "could not stop the server in $DIR"
        fi
    fi
}

# psql as the superuser over the unix socket.
psql_su() {
    AS_PG_CWD="$DIR" as_pg env PGHOST="$S_SOCKDIR" PGPORT="$S_PORT" PGUSER=postgres \
        PGDATABASE="${S_DATABASE:-postgres}" "$PG_BIN/psql" -X "$@"
}

psql_value() { psql_su -d postgres -qAt -v ON_ERROR_STOP=1 -c "$1"; }

sql_literal() { printf "'%s'" "${1//\'/\'\'}"; }

setup_roles_and_database() {
    local recovery
    recovery="$(psql_value 'SELECT pg_is_in_recovery()')"
    [[ "$recovery" == f ]] || return 0
    local user_lit pass_lit
    user_lit="$(sql_literal "$S_USER")"
    pass_lit="$(sql_literal "$S_PASSWORD")"
    psql_su -d postgres -q -v ON_ERROR_STOP=1 >/dev/null <<SQL
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $user_lit) THEN
    EXECUTE format('CREATE ROLE %I LOGIN SUPERUSER REPLICATION PASSWORD %L', $user_lit, $pass_lit);
  ELSE
    EXECUTE format('ALTER ROLE %I LOGIN SUPERUSER REPLICATION PASSWORD %L', $user_lit, $pass_lit);
  END IF;
  EXECUTE format('ALTER ROLE postgres PASSWORD %L', $pass_lit);
END
\$\$;
SQL
    if [[ "$(psql_value "SELECT count(*) FROM pg_database WHERE datname = $(sql_literal "$S_DATABASE")")" == 0 ]]; then
        log "creating database $S_DATABASE"
        psql_value "CREATE DATABASE \"$S_DATABASE\" OWNER \"$S_USER\"" >/dev/null
    fi
}

print_env() {
    printf 'export AGENT_TURBO_TEST_POSTGRES_URL=postgres://%s:%s@127.0.0.1:%s/%s\n' \
        "$S_USER" "$S_PASSWORD" "$S_PORT" "$S_DATABASE"
    printf 'export AGENT_TURBO_TEST_PG_DIR=%q\n' "$DIR"
    printf 'export AGENT_TURBO_TEST_PG_BIN=%q\n' "$PG_BIN"
    printf 'export AGENT_TURBO_TEST_PG_PORT=%s\n' "$S_PORT"
}

# ---------------------------------------------------------------- subcommands

cmd_start() {
    [[ $# -eq 1 ]] || usage
    ensure_pg_bin
    setup_run_as
    set_dir "$1" yes
    if [[ -f "$DATA/PG_VERSION" ]]; then
        require_state
        log "reusing the existing data in $DATA"
    else
        if [[ -e "$DATA" ]]; then
            log "removing incomplete data folder $DATA"
            rm -rf -- "$DATA"
        fi
        S_USER="$DEFAULT_USER"
        S_PASSWORD="$DEFAULT_PASSWORD"
        S_DATABASE="$DEFAULT_DATABASE"
        choose_sockdir
        S_PORT="$(pick_free_port)"
        log "initdb into $DATA"
        AS_PG_CWD="$DIR" as_pg "$PG_BIN/initdb" -D "$DATA" -U postgres -E UTF8 --locale=C \
            --auth-local=trust --auth-host=scram-sha-256 >"$DIR/initdb.log" 2>&1 ||
            {
                cat "$DIR/initdb.log" >&2
                die "initdb failed in $DATA"
            }
        write_state
    fi
    start_server no
    setup_roles_and_database
    print_env
}

cmd_startagain() {
    [[ $# -eq 1 ]] || usage
    ensure_pg_bin
    setup_run_as
    set_dir "$1" no
    [[ -d "$DIR" ]] || die "$DIR does not exist: use 'start'"
    require_state
    start_server yes
    print_env
}

cmd_stop() {
    [[ $# -eq 1 ]] || usage
    setup_run_as
    set_dir "$1" no
    if [[ ! -f "$DATA/PG_VERSION" ]]; then
        log "no server data in $DIR: nothing to stop"
        return 0
    fi
    read_state || true
    ensure_pg_bin
    stop_server fast
}

cmd_kill() {
    [[ $# -eq 1 ]] || usage
    setup_run_as
    set_dir "$1" no
    if [[ ! -f "$DATA/PG_VERSION" ]]; then
        log "no server data in $DIR: nothing to kill"
        return 0
    fi
    read_state || true
    ensure_pg_bin
    stop_server immediate
}

cmd_restart() {
    [[ $# -eq 1 ]] || usage
    ensure_pg_bin
    setup_run_as
    set_dir "$1" no
    require_state
    stop_server fast
    start_server yes
    print_env
}

cmd_status() {
    [[ $# -eq 1 ]] || usage
    setup_run_as
    set_dir "$1" no
    read_state || true
    if is_running; then
        log "running: pid $(server_pid), port $S_PORT, data $DATA"
        return 0
    fi
    log "not running: $DIR"
    return 3
}

cmd_env() {
    [[ $# -eq 1 ]] || usage
    ensure_pg_bin
    setup_run_as
    set_dir "$1" no
    require_state
    print_env
}

cmd_psql() {
    [[ $# -ge 1 ]] || usage
    ensure_pg_bin
    setup_run_as
    set_dir "$1" no
    shift
    require_state
    is_running || die "server in $DIR is not running"
    psql_su "$@"
}

cmd_destroy() {
    [[ $# -eq 1 ]] || usage
    setup_run_as
    set_dir "$1" no
    [[ -d "$DIR" ]] || return 0
    [[ "$DIR" != / ]] || die "refusing to remove /"
    if [[ -f "$DATA/PG_VERSION" ]]; then
        read_state || true
        ensure_pg_bin
        stop_server immediate
        if [[ -n "$S_SOCKDIR" && "$S_SOCKDIR" == /tmp/agent-turbo-pg.* ]]; then
            rm -rf -- "$S_SOCKDIR"
        fi
    fi
    [[ -f "$STATE" || ! -e "$DATA" ]] || die "$DIR does not look like a folder made by this script: not removing it"
    log "removing $DIR"
    rm -rf -- "$DIR"
}

cmd_standby() {
    [[ $# -eq 2 ]] || usage
    ensure_pg_bin
    setup_run_as
    # Primary
    set_dir "$1" no
    require_state
    is_running || die "primary in $DIR is not running"
    local p_port="$S_PORT" p_user="$S_USER" p_password="$S_PASSWORD" p_database="$S_DATABASE" p_dir="$DIR"
    # Standby
    set_dir "$2" yes
    [[ "$DIR" != "$p_dir" ]] || die "PRIMARY_DIR and STANDBY_DIR must differ"
    if [[ -f "$DATA/PG_VERSION" ]]; then
        require_state
        log "reusing the existing standby data in $DATA"
        start_server no
    else
        if [[ -e "$DATA" ]]; then
            log "removing incomplete data folder $DATA"
            rm -rf -- "$DATA"
        fi
        S_USER="$p_user"
        S_PASSWORD="$p_password"
        S_DATABASE="$p_database"
        choose_sockdir
        S_PORT="$(pick_free_port)"
        while [[ "$S_PORT" == "$p_port" ]]; do S_PORT="$(pick_free_port)"; done
        write_state
        log "pg_basebackup from 127.0.0.1:$p_port into $DATA"
        AS_PG_CWD="$DIR" as_pg env PGPASSWORD="$p_password" PGAPPNAME=agent_turbo_standby \
            "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$p_port" -U "$p_user" \
            -D "$DATA" -R -X stream -c fast --no-sync >&2 ||
            die "pg_basebackup from the primary in $p_dir failed"
        start_server no
    fi
    log "waiting for the standby to stream from the primary"
    local i status=""
    for ((i = 0; i < WAIT_SECONDS * 4; i++)); do
        status="$(psql_value "SELECT status FROM pg_stat_wal_receiver" 2>/dev/null || true)"
        [[ "$status" == streaming ]] && break
        sleep 0.25
    done
    [[ "$status" == streaming ]] || die "standby in $DIR is not streaming (wal receiver status '$status'); see $LOGFILE"
    [[ "$(psql_value 'SELECT pg_is_in_recovery()')" == t ]] || die "server in $DIR is not a standby"
    log "standby in $DIR streams from 127.0.0.1:$p_port"
    printf 'export AGENT_TURBO_TEST_STANDBY_PORT=%s\n' "$S_PORT"
    printf 'export AGENT_TURBO_TEST_STANDBY_URL=postgres://%s:%s@127.0.0.1:%s/%s\n' \
        "$S_USER" "$S_PASSWORD" "$S_PORT" "$S_DATABASE"
    printf 'export AGENT_TURBO_TEST_STANDBY_DIR=%q\n' "$DIR"
}

cmd_promote() {
    [[ $# -eq 1 ]] || usage
    ensure_pg_bin
    setup_run_as
    set_dir "$1" no
    require_state
    is_running || die "server in $DIR is not running"
    if [[ "$(psql_value 'SELECT pg_is_in_recovery()')" == f ]]; then
        log "server in $DIR is already a primary"
        return 0
    fi
    log "promoting the standby in $DIR"
    pg_ctl_ promote -w -t "$WAIT_SECONDS" >&2 || die "pg_ctl promote failed in $DIR; see $LOGFILE"
    local i
    for ((i = 0; i < WAIT_SECONDS * 4; i++)); do
        if [[ "$(psql_value 'SELECT pg_is_in_recovery()' 2>/dev/null || true)" == f ]]; then
            log "server in $DIR (port $S_PORT) is now a primary"
            return 0
        fi
        sleep 0.25
    done
    die "server in $DIR is still in recovery after promote; see $LOGFILE"
}

main() {
    [[ $# -ge 1 ]] || usage
    local sub="$1"
    shift
    case "$sub" in
        start) cmd_start "$@" ;;
        stop) cmd_stop "$@" ;;
        restart) cmd_restart "$@" ;;
        kill) cmd_kill "$@" ;;
        startagain) cmd_startagain "$@" ;;
        standby) cmd_standby "$@" ;;
        promote) cmd_promote "$@" ;;
        psql) cmd_psql "$@" ;;
        env) cmd_env "$@" ;;
        status) cmd_status "$@" ;;
        destroy) cmd_destroy "$@" ;;
        -h | --help | help) usage ;;
        *)
            log "unknown subcommand: $sub"
            usage
            ;;
    esac
}

main "$@"
