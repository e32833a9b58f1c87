#!/usr/bin/env bash
# The whole test suite: builds, starts a throwaway PostgreSQL server on a free loopback port, installs the real
# Claude Code CLI into a cache, and runs every test against both engines.
#
# Usage: scripts/test.sh [swift test arguments, e.g. --filter Worker]
# With CI=true a missing PostgreSQL or Claude CLI fails the run instead of skipping those tests.
set -euo pipefail

cd "$(dirname "$0")/.."
CI="${CI:-false}"
work="$(mktemp -d /tmp/agent-turbo-test.XXXXXX)"
chmod 755 "$work"

say() { printf '\n== %s\n' "$*" >&2; }

cleanup() {
    scripts/postgres-throwaway.sh destroy "$work/pg" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

say "PostgreSQL"
if exports="$(scripts/postgres-throwaway.sh start "$work/pg")"; then
    eval "$exports"
    echo "PostgreSQL at ${AGENT_TURBO_TEST_POSTGRES_URL}" >&2
elif [ "$CI" = "true" ]; then
    echo "error: could not start PostgreSQL, and CI=true does not allow skipping its tests" >&2
    exit 1
else
    echo "warning: no PostgreSQL; its tests are skipped (CI=true would fail here)" >&2
fi

say "Claude Code CLI"
if claude="$(scripts/install-claude-cli.sh | tail -n 1)" && [ -x "$claude" ]; then
    export AGENT_TURBO_TEST_CLAUDE="$claude"
    echo "claude at $claude ($("$claude" --version 2>/dev/null))" >&2
elif [ "$CI" = "true" ]; then
    echo "error: could not install the Claude Code CLI, and CI=true does not allow skipping its tests" >&2
    exit 1
else
    echo "warning: no Claude Code CLI; its tests are skipped (CI=true would fail here)" >&2
fi

say "Build"
swift build --build-tests

say "systemd units"
if command -v systemd-analyze >/dev/null 2>&1; then
    # Checked as installed, with the binary just built standing in for /usr/local/bin/agent-turbo.
    mkdir -p "$work/units"
    binary="$(swift build --show-bin-path)/agent-turbo"
    for unit in deploy/*.service; do
        sed "s#/usr/local/bin/agent-turbo#$binary#" "$unit" > "$work/units/$(basename "$unit")"
    done
    # verify exits 0 on directives it ignores, so any complaint about these files counts as a failure (what it
    # says about the host's own units does not).
    complaints="$(systemd-analyze verify "$work"/units/*.service 2>&1 | grep -E 'agent-turbo[^ ]*\.service' || true)"
    if [ -n "$complaints" ]; then
        echo "error: deploy/*.service: $complaints" >&2
        exit 1
    fi
    echo "deploy/*.service verified" >&2
else
    echo "systemd-analyze not found; deploy/*.service not checked" >&2
fi

say "Tests"
# One test at a time: the suites start real workers, agents and servers, and timing-free assertions are easier
# to keep that way on a two-core machine than with every suite competing for it.
swift test --skip-build --no-parallel "$@"
