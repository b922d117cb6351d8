#!/usr/bin/env bash
# `npm start` on a fresh data directory: the server must answer /readyz, report the Node it runs on
# (24 or 22 even when the `node` on PATH is older), and stop cleanly on SIGTERM.
set -euo pipefail
cd "$(dirname "$0")/.."
data=$(mktemp -d)
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
log="$data/server.log"
# In its own process group, so that it can be signalled as a terminal's Ctrl-C signals it.
DATA_DIR="$data" PORT="$port" setsid npm start >"$log" 2>&1 &
pid=$!
trap 'kill -KILL -- "-$pid" 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 240); do
  if curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then break; fi
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$port/readyz"; echo
ready=$(grep -m1 '"image-api ready"' "$log" || true)
node_version=$(printf '%s' "$ready" | sed -n 's/.*"node":"v\([0-9]*\)\..*/\1/p')
if [ -z "$node_version" ] || [ "$node_version" -lt 22 ]; then
  echo "start smoke test: the server did not report running on Node 22+:"; cat "$log"; exit 1
fi
echo "start smoke test: serving on Node $node_version"
kill -TERM -- "-$pid"
for _ in $(seq 1 40); do grep -q '"msg":"closed"' "$log" && break; sleep 0.25; done
wait "$pid" || true
grep -q '"msg":"closed"' "$log" || { echo 'start smoke test: no clean shutdown:'; cat "$log"; exit 1; }
