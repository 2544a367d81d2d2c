#!/usr/bin/env bash
# node-redis's own client tests (packages/client of github.com/redis/node-redis, mocha + its
# test-utils) run unchanged, once on redis-server and once on embedded nodes, side by side; prints the
# counts and the tests that pass on redis-server but not on the embedded node. test-utils starts its
# servers with `docker run`: a `docker` wrapper first on PATH runs bench/suites/node-redis-docker-shim.mjs,
# which starts the chosen engine instead and stops it by PID on `docker rm -f`. node-redis stays
# outside the repository.
#
#   bench/suites/node-redis.sh NODE_REDIS_DIR OUT_DIR [test globs...]
#     NODE_REDIS_DIR  a node-redis source tree with its dependencies installed and built:
#                     git --git-dir=<node-redis mirror> archive <ref> | tar -x -C NODE_REDIS_DIR
#                     (cd NODE_REDIS_DIR && npm ci && npm run build)
#     test globs      relative to packages/client; default 'lib/**/*.spec.ts'
# Environment: ENGINES (default "real embedded"), REDIS_TAG (the image tag test-utils is told,
#   --redis-tag; default 7.0.15, so tests gated on newer servers are skipped alike on both sides),
#   RUN_TIMEOUT (seconds per engine, default 3600), REDIS_SERVER (default /usr/bin/redis-server).
# Needs `npm run build` done here. Ports: test-utils picks free ones from 6379 up (cluster bus: +10000).
# Out: OUT_DIR/<engine>.log (mocha's output), <engine>.json (mocha's json reporter), <engine>.res
# (PASSED|FAILED|PENDING <file> :: <title>), shim-<engine>/ (calls.log: every docker call; one directory
# per server: container.json with its command line, log, work/ its directory),
# diff.txt.
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
nr="$(cd "$1" && pwd)"
out="$(mkdir -p "$2" && cd "$2" && pwd)"
shift 2
globs=("$@")
[ ${#globs[@]} -gt 0 ] || globs=('lib/**/*.spec.ts')
engines="${ENGINES:-real embedded}"
tag="${REDIS_TAG:-7.0.15}"
[ -f "$here/dist/src/node/main.js" ] || { echo "no dist/src/node/main.js: npm run build first" >&2; exit 2; }

bin="$out/bin"
mkdir -p "$bin"
printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$(command -v node)" "$here/bench/suites/node-redis-docker-shim.mjs" >"$bin/docker"
chmod +x "$bin/docker"

stop_all() { # every server a shim started for this engine and still running, by PID
  local state="$1" d pid
  for d in "$state"/*/; do
    [ -f "$d/pid" ] || continue
    pid=$(cat "$d/pid")
    if [ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" = "${d%/}/work" ]; then
      kill -STOP "$pid" 2>/dev/null || true
      for c in $(pgrep -P "$pid" || true); do kill -KILL "$c" 2>/dev/null || true; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
}
current_state=""
trap '[ -z "$current_state" ] || stop_all "$current_state"' EXIT

for engine in $engines; do
  state="$out/shim-$engine"
  rm -rf "$state" "$out/$engine.json"
  mkdir -p "$state"
  current_state="$state"
  start=$(date +%s)
  (cd "$nr/packages/client" && PATH="$bin:$PATH" SHIM_ENGINE="$engine" SHIM_STATE="$state" REDIS_TS_DIR="$here" \
    timeout --signal=TERM --kill-after=30 "${RUN_TIMEOUT:-3600}" \
    "$nr/node_modules/.bin/mocha" -r tsx --exit --reporter json --reporter-option "output=$out/$engine.json" \
    "${globs[@]}" --redis-tag="$tag" >"$out/$engine.log" 2>&1) || true
  stop_all "$state"
  current_state=""
  if [ -f "$out/$engine.json" ]; then
    node -e '
      const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))
      const rel = (f) => (f || "").replace(/.*\/packages\/client\//, "")
      const lines = []
      for (const [k, list] of [["PASSED", r.passes], ["FAILED", r.failures], ["PENDING", r.pending]])
        for (const t of list) lines.push(`${k} ${rel(t.file)} :: ${t.fullTitle}`)
      process.stdout.write(lines.sort().join("\n") + "\n")
    ' "$out/$engine.json" >"$out/$engine.res"
  else
    : >"$out/$engine.res"
  fi
  echo "$engine: $(grep -c '^PASSED' "$out/$engine.res") passed, $(grep -c '^FAILED' "$out/$engine.res") failed, $(grep -c '^PENDING' "$out/$engine.res") pending ($(( $(date +%s) - start )) s)"
done

if [ -f "$out/real.res" ] && [ -f "$out/embedded.res" ]; then
  comm -23 <(sed -n 's/^PASSED //p' "$out/real.res" | sort -u) <(sed -n 's/^PASSED //p' "$out/embedded.res" | sort -u) >"$out/diff.txt"
  echo "passed on redis-server, not on the embedded node: $(wc -l <"$out/diff.txt") (list in $out/diff.txt)"
  cat "$out/diff.txt"
fi
