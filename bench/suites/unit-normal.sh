#!/usr/bin/env bash
# Redis 7.0.15's unit suite in its NORMAL mode (the harness starts, restarts and stops every server
# itself from a generated config file), run file by file against real redis-server and against the
# embedded node, side by side. This is where the tests tagged `external:skip` run (ACL, AUTH,
# maxmemory, CONFIG REWRITE, SHUTDOWN, INFO, networking, ...).
#
# usage: REDIS_GIT=<git repo of redis/redis with tag 7.0.15> bench/suites/unit-normal.sh <checkout> [outdir]
#   <checkout>  a BUILT redis-ts checkout (npm run build: dist/src/node/main.js)
#   [outdir]    results (default /tmp/unit-normal-results): results.tsv, logs/<server>/<file>.log,
#               diff.txt (tests real redis passes that the embedded node fails or never reaches)
#
# environment (all optional except REDIS_GIT):
#   REDIS_TAG=7.0.15          tag whose tests/ and runtest are extracted (nothing else of Redis is used)
#   WORK=/tmp/unit-normal     extracted suites: $WORK/real and $WORK/embedded (one per server kind)
#   SERVERS="real embedded"   which servers to run, in this order, per file
#   FILES="unit/acl unit/auth" test files (default: every tests/unit/*.tcl and tests/unit/type/*.tcl)
#   BASEPORT=28000            port range: real uses BASEPORT..+499, embedded BASEPORT+500..+999
#                             (runtest's test-server port takes the first 32 of each half, spawned
#                             servers the rest; they also need port+10000 free, like Redis's harness)
#   FILE_TIMEOUT=900          wall-clock limit per file and server (seconds); runtest gets --timeout 600
#   EXTRA_ARGS=""             extra runtest arguments (e.g. "--dump-logs", "--only <test>")
#   RESUME=1                  skip (file, server) pairs already in results.tsv (otherwise re-run, replacing them)
#
# In $WORK/<kind>/src (the only addition to the extracted suite):
#   redis-server   real: exec /usr/bin/redis-server; embedded: exec node <checkout>/dist/src/node/main.js
#                  (both record their PID, so leftovers of a timed-out file are stopped by PID)
#   redis-cli, redis-benchmark, redis-check-aof, redis-check-rdb: symlinks to the installed tools
set -u
PROJ=${1:?usage: REDIS_GIT=<redis repo> unit-normal.sh <checkout> [outdir]}
PROJ=$(cd "$PROJ" && pwd)
OUT=${2:-/tmp/unit-normal-results}
REDIS_TAG=${REDIS_TAG:-7.0.15}
WORK=${WORK:-/tmp/unit-normal}
SERVERS=${SERVERS:-"real embedded"}
BASEPORT=${BASEPORT:-28000}
FILE_TIMEOUT=${FILE_TIMEOUT:-900}
EXTRA_ARGS=${EXTRA_ARGS:-}
RESUME=${RESUME:-0}
# the built node entry: main.cjs where the build makes one (CommonJS + code cache), else main.js
EMB_MAIN="$PROJ/dist/src/node/main.cjs"; [ -f "$EMB_MAIN" ] || EMB_MAIN="$PROJ/dist/src/node/main.js"
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$OUT/logs"
OUT=$(cd "$OUT" && pwd)

[ -f "$EMB_MAIN" ] || { echo "no $EMB_MAIN: build the checkout first (npm run build)"; exit 2; }
command -v tclsh >/dev/null || { echo "tclsh not found (apt-get install tcl)"; exit 2; }
REAL_SERVER=$(command -v redis-server) || { echo "redis-server not on PATH (apt-get install redis-server)"; exit 2; }
"$REAL_SERVER" --version | grep -q "v=$REDIS_TAG" || echo "WARNING: redis-server is not $REDIS_TAG: $("$REAL_SERVER" --version)"

# ---- 1. one extracted suite per server kind (each has its own src/redis-server) -----------------
setup_suite() { # $1 = real | embedded
  local kind=$1 dir="$WORK/$1"
  if [ ! -f "$dir/tests/test_helper.tcl" ]; then
    [ -n "${REDIS_GIT:-}" ] || { echo "set REDIS_GIT to a git repository of redis/redis that has tag $REDIS_TAG"; exit 2; }
    mkdir -p "$dir"
    git -C "$REDIS_GIT" archive "$REDIS_TAG" tests runtest | tar -x -C "$dir" || exit 2
  fi
  mkdir -p "$dir/src" "$dir/tests/tmp"
  for b in redis-cli redis-benchmark redis-check-aof redis-check-rdb; do
    local p; p=$(command -v $b) && ln -sf "$p" "$dir/src/$b"
  done
  rm -f "$dir/src/redis-server"
  if [ "$kind" = real ]; then
    printf '#!/bin/sh\necho $$ >> "%s"\nexec "%s" "$@"\n' "$dir/server-pids" "$REAL_SERVER" > "$dir/src/redis-server"
  else
    # The node writes the lines the harness waits for itself (" PID: <pid>" in its start-up banner,
    # "Ready to accept connections"); the wrapper only answers --version like redis-server. `exec -a`
    # keeps the wrapper's path as the process's argv[0], as for redis-server ({title} of proc-title-template).
    cat > "$dir/src/redis-server" <<EOF
#!/bin/bash
case "\${1:-}" in -v|--version) echo "Redis server v=$REDIS_TAG sha=00000000:0 malloc=libc bits=64 build=redis-ts"; exit 0;; esac
echo \$\$ >> "$dir/server-pids"
exec -a "\$0" node "$EMB_MAIN" "\$@"
EOF
  fi
  chmod +x "$dir/src/redis-server"
}

stop_leftovers() { # $1 = suite dir: servers a killed runtest left behind, by recorded PID
  local dir=$1 pid
  [ -f "$dir/server-pids" ] || return 0
  for pid in $(sort -u "$dir/server-pids"); do
    [ -d "/proc/$pid" ] || continue
    readlink "/proc/$pid/cwd" 2>/dev/null | grep -q "^$dir" || continue
    kill -CONT "$pid" 2>/dev/null; kill "$pid" 2>/dev/null
  done
  sleep 1
  for pid in $(sort -u "$dir/server-pids"); do
    [ -d "/proc/$pid" ] && readlink "/proc/$pid/cwd" 2>/dev/null | grep -q "^$dir" && kill -9 "$pid" 2>/dev/null
  done
  : > "$dir/server-pids"
}

for s in $SERVERS; do
  case $s in real|embedded) setup_suite "$s";; *) echo "SERVERS: real and/or embedded"; exit 2;; esac
done

if [ -z "${FILES:-}" ]; then
  FILES=$(cd "$WORK/${SERVERS%% *}/tests" && ls unit/*.tcl unit/type/*.tcl | sed 's/\.tcl$//')
fi

# ---- 2. every file on each server kind, one run at a time ---------------------------------------
RES="$OUT/results.tsv"
# results.tsv keeps the rows of earlier runs; a (file, server) run again replaces its row
[ -f "$RES" ] || printf "file\tserver\tok\terr\texception\ttimeout\tsecs\n" >"$RES"
for f in $FILES; do
  case $f in unit/moduleapi*) continue;; esac # needs modules built from Redis's sources
  for s in $SERVERS; do
    if [ "$RESUME" = 1 ] && awk -F'\t' -v f="$f" -v s="$s" '$1==f && $2==s {x=1} END{exit !x}' "$RES"; then continue; fi
    dir="$WORK/$s"
    if [ "$s" = real ]; then base=$BASEPORT; else base=$((BASEPORT + 500)); fi
    mkdir -p "$OUT/logs/$s/$(dirname "$f")"
    log="$OUT/logs/$s/$f.log"
    stop_leftovers "$dir"
    rm -rf "$dir/tests/tmp"/*
    t0=$(date +%s)
    # GNU timeout signals runtest's whole process group (test server, test client, spawned servers)
    (cd "$dir" && TERM=dumb timeout -k 10 "$FILE_TIMEOUT" ./runtest --single "$f" --clients 1 --timeout 600 \
        --baseport $((base + 32)) --portcount 468 $EXTRA_ARGS >"$log" 2>&1 </dev/null)
    rc=$?
    t1=$(date +%s)
    stop_leftovers "$dir"
    sed -i 's/\x1b\[[0-9;]*m//g' "$log"
    ok=$(grep -c '^\[ok\]' "$log"); err=$(grep -c '^\[err\]' "$log")
    exc=$(grep -c '^\[exception\]' "$log"); to=$(grep -c '^\[TIMEOUT\]' "$log")
    if [ $rc = 124 ] || [ $rc = 137 ]; then to=$((to + 1)); echo "[runner] killed after FILE_TIMEOUT=${FILE_TIMEOUT}s" >>"$log"; fi
    grep -v "^$f	$s	" "$RES" > "$RES.tmp"; mv "$RES.tmp" "$RES"
    printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\n" "$f" "$s" "$ok" "$err" "$exc" "$to" "$((t1 - t0))" >>"$RES"
    echo "$f [$s]: ok=$ok err=$err exception=$exc timeout=$to ($((t1 - t0))s)"
  done
done

# ---- 3. table and per-test differences ----------------------------------------------------------
echo
python3 "$HERE/unit-normal-diff.py" "$OUT"
