#!/usr/bin/env bash
# Benchmarks (not tests): builds in release mode, starts a throwaway PostgreSQL, installs GNU parallel (a
# baseline) when it is missing, runs agent-turbo-bench and prints markdown tables; docs/benchmarks.md records
# them. Usage: scripts/bench.sh [speedup|pickup|dispatch|efficiency|memory|statements|submit|stats|claims ...]
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d /tmp/agent-turbo-bench.XXXXXX)"
chmod 755 "$work"
trap 'scripts/postgres-throwaway.sh destroy "$work/pg" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

if exports="$(scripts/postgres-throwaway.sh start "$work/pg")"; then
    eval "$exports"
    export AGENT_TURBO_BENCH_POSTGRES_URL="$AGENT_TURBO_TEST_POSTGRES_URL"
else
    echo "warning: no PostgreSQL; only the SQLite rows are measured" >&2
fi
if ! command -v parallel >/dev/null 2>&1; then
    apt-get install -y parallel >&2 || echo "warning: no GNU parallel; its baseline rows are left out" >&2
fi
swift build -c release --product agent-turbo >&2
swift build -c release --product agent-turbo-bench >&2
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r), $(date -u +%Y-%m-%d)" >&2
.build/release/agent-turbo-bench "$@"
