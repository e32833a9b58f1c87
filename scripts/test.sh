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
# Kept after the run: the dashboard's screenshot, schemathesis' reports and the servers' logs.
artifacts="${TEST_ARTIFACTS:-$PWD/.build/test-artifacts}"
mkdir -p "$artifacts"

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

say "launchd property lists"
# They must parse as property lists, run the installed agent-turbo (whose supervisor the build puts beside it)
# with the subcommand their name says, and have a label launchd accepts.
python3 - "$(swift build --show-bin-path)" deploy/*.plist <<'PY'
import os, plistlib, sys
bin_path, files = sys.argv[1], sys.argv[2:]
for name in ("agent-turbo", "agent-turbo-supervise"):
    if not os.access(os.path.join(bin_path, name), os.X_OK):
        sys.exit(f"error: the build has no {name} in {bin_path}")
for path in files:
    with open(path, "rb") as f:
        plist = plistlib.load(f)
    arguments = plist.get("ProgramArguments", [])
    role = path.rsplit(".", 2)[-2]
    if arguments[:2] != ["/usr/local/bin/agent-turbo", role]:
        sys.exit(f"error: {path} runs {arguments[:2]}, not agent-turbo {role}")
    if plist.get("Label") != f"com.agent-turbo.{role}" or not plist.get("RunAtLoad"):
        sys.exit(f"error: {path} has no label com.agent-turbo.{role} or does not run at load")
    if plist.get("ExitTimeOut", 20) < 40:
        sys.exit(f"error: {path}: ExitTimeOut must outlast the shutdown grace")
    print(f"{path} parses and runs agent-turbo {role}", file=sys.stderr)
PY

# The API contract and the browser test run with the whole suite; `scripts/test.sh --filter X` runs only swift test.
if [ "$#" -eq 0 ]; then
    say "API contract (schemathesis)"
    # Installs schemathesis into a cache (pip, as PostgreSQL is installed above) and holds a live server to its
    # OpenAPI document; a failure of the contract always fails the run, a missing pip only outside CI.
    if scripts/api-contract.sh --install-only >/dev/null 2>&1 || [ "$CI" = "true" ]; then
        API_CONTRACT_ARTIFACTS="$artifacts/api-contract" scripts/api-contract.sh
    else
        echo "warning: could not install schemathesis; the API contract is not checked (CI=true would fail here)" >&2
    fi

    say "Dashboard in headless Chromium"
    if ! command -v chromium >/dev/null 2>&1; then
        echo "installing chromium" >&2
        { apt-get install -y -qq chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium; }; } \
            >/dev/null 2>&1 || true
    fi
    if command -v chromium >/dev/null 2>&1; then
        # Against 100,000 tasks, so the page is tried at scale (paging by cursor, stats and lists of a large table).
        DASHBOARD_BACKLOG=100000 python3 scripts/dashboard-test.py "$(swift build --show-bin-path)/agent-turbo" "$artifacts"
    elif [ "$CI" = "true" ]; then
        echo "error: could not install chromium, and CI=true does not allow skipping the dashboard test" >&2
        exit 1
    else
        echo "warning: no chromium; the dashboard test is skipped (CI=true would fail here)" >&2
    fi
fi

say "Tests"
# One test at a time: the suites start real workers, agents and servers, and timing-free assertions are easier
# to keep that way on a two-core machine than with every suite competing for it.
swift test --skip-build --no-parallel "$@"

if [ "$#" -eq 0 ]; then
    say "Worker suites again on the portable POSIX backend (what macOS runs)"
    # No subreaper, no /proc walk, descriptors closed the POSIX way, SQLite wake-ups through UNIX sockets
    # instead of inotify: the same worker tests, so the macOS path is exercised on every run.
    AGENT_TURBO_PROCESS_BACKEND=posix swift test --skip-build --no-parallel --filter AgentTurboWorkerTests
fi
