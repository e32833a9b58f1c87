#!/usr/bin/env bash
# The HTTP API against its OpenAPI document: schemathesis (pinned, installed into a cache) runs every check it has
# (`--checks all`) with a fixed seed against a live `agent-turbo serve`, once without a token and once with one.
# Any failure fails the run.
#
# Usage: scripts/api-contract.sh [path/to/agent-turbo]   (default: the debug build)
#        scripts/api-contract.sh --install-only            (only install schemathesis)
# Environment: API_CONTRACT_EXAMPLES (examples per operation, default 60; API_CONTRACT_TOKEN_EXAMPLES and
# API_CONTRACT_POSTGRES_EXAMPLES for the pass with a token and the PostgreSQL pass, default 30), API_CONTRACT_SEED (default 20261202).
set -euo pipefail

cd "$(dirname "$0")/.."
install_only=false
if [ "${1:-}" = "--install-only" ]; then
    install_only=true
    shift
fi
binary="${1:-$(swift build --show-bin-path)/agent-turbo}"
version="4.32.5"
examples="${API_CONTRACT_EXAMPLES:-60}"
seed="${API_CONTRACT_SEED:-20261202}"
venv="${HOME}/.cache/agent-turbo/schemathesis-${version}"
config="$(pwd)/scripts/schemathesis.toml"
work="$(mktemp -d /tmp/agent-turbo-contract.XXXXXX)"
server=""

# Where the servers' logs and schemathesis' reports are kept (default: removed with the run).
artifacts="${API_CONTRACT_ARTIFACTS:-}"

cleanup() {
    if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
        kill -TERM "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
    fi
    if [ -n "$artifacts" ]; then
        mkdir -p "$artifacts"
        cp -r "$work"/. "$artifacts"/ 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

if [ ! -x "$venv/bin/st" ]; then
    echo "installing schemathesis $version into $venv" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$version"
fi
if [ "$install_only" = "true" ]; then
    exit 0
fi

# Starts `serve` on a free port with its own home (and database URL, if given); sets $server and $port.
start_server() {
    local home="$1" token="${2:-}" database="${3:-}"
    mkdir -p "$home"
    env -u AGENT_TURBO_API_TOKEN -u AGENT_TURBO_DATABASE_URL ${token:+AGENT_TURBO_API_TOKEN="$token"} \
        ${database:+AGENT_TURBO_DATABASE_URL="$database"} AGENT_TURBO_HOME="$home" \
        "$binary" serve --port 0 --log-format json >"$home/serve.log" 2>&1 &
    server=$!
    port=""
    for _ in $(seq 1 300); do
        port="$(grep -o '"port":"[0-9]*"' "$home/serve.log" | head -n 1 | grep -o '[0-9]\+' || true)"
        [ -n "$port" ] && return 0
        kill -0 "$server" 2>/dev/null || break
        sleep 0.1
    done
    echo "error: serve did not start:" >&2
    cat "$home/serve.log" >&2
    exit 1
}

stop_server() {
    kill -TERM "$server"
    wait "$server" || true
    server=""
}

run_schemathesis() {
    local label="$1"
    shift
    echo "== schemathesis, $label: $examples examples per operation, seed $seed" >&2
    # From the scratch folder, so that schemathesis' own cache folder lands there and not in the tree. A followed
    # log of a task that never ends (no worker runs here) streams until the client gives up: the 5 s request
    # timeout bounds each such example (a timeout is not a contract failure), which was most of the run's time.
    (cd "$work" && "$venv/bin/st" --config-file "$config" run "http://127.0.0.1:${port}/openapi.json" \
        --checks all --seed "$seed" --max-examples "$examples" --workers 1 --generation-database none \
        --request-timeout 5 --no-color --report junit --report-dir "$work/report-$label" "$@")
}

start_server "$work/open"
run_schemathesis "no token"
stop_server

token="contract-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
start_server "$work/token" "$token"
# The same routes behind the token check: half the examples (API_CONTRACT_TOKEN_EXAMPLES) keep the run short.
examples="${API_CONTRACT_TOKEN_EXAMPLES:-30}" run_schemathesis "with a token" --header "Authorization: Bearer $token"
stop_server

# PostgreSQL stores text differently (no NUL, stricter JSON): the same contract on a fresh database there, when
# scripts/test.sh started a server (AGENT_TURBO_TEST_POSTGRES_URL).
if [ -n "${AGENT_TURBO_TEST_POSTGRES_URL:-}" ]; then
    database="contract_$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"
    "${AGENT_TURBO_TEST_PG_BIN:-/usr/lib/postgresql/15/bin}/psql" -q "$AGENT_TURBO_TEST_POSTGRES_URL" -c "CREATE DATABASE $database"
    url="${AGENT_TURBO_TEST_POSTGRES_URL%/*}/$database"
    env -u AGENT_TURBO_DATABASE_URL AGENT_TURBO_HOME="$work/pg" "$binary" migrate --database "$url" >/dev/null
    start_server "$work/postgres" "" "$url"
    # The same document and routes over another engine: fewer examples suffice to catch what differs.
    examples="${API_CONTRACT_POSTGRES_EXAMPLES:-30}"
    run_schemathesis "PostgreSQL"
    stop_server
    "${AGENT_TURBO_TEST_PG_BIN:-/usr/lib/postgresql/15/bin}/psql" -q "$AGENT_TURBO_TEST_POSTGRES_URL" -c "DROP DATABASE $database WITH (FORCE)" || true
fi
echo "the API matches its OpenAPI document" >&2
