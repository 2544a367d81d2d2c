#!/usr/bin/env bash
# Redis 7.0.15's unit suite (tests/unit, external-server mode) with `--cluster-mode`, against one
# cluster node that owns all 16384 slots: real redis-server 7.0.15 and the redis-ts embedded node,
# started the same way, one file at a time, a fresh server per file.
#
# usage: REDIS_GIT=<git repo of redis/redis with tag 7.0.15> bench/suites/unit-cluster-mode.sh <checkout> [outdir]
#
# What --cluster-mode changes in 7.0.15's harness (tests/test_helper.tcl, tests/support/server.tcl):
# it implies --singledb (no SELECT 9; everything runs in db 0) and skips every test or block tagged
# `cluster:skip`. It does no cluster set-up itself, so this script starts each server with
# `cluster-enabled yes` and a fresh nodes.conf, assigns all slots (CLUSTER ADDSLOTSRANGE 0 16383)
# and waits for cluster_state:ok before running the file.
#
# Environment (all optional):
#   WORK=/tmp/rt-suite-cm      where the suite is extracted (never inside the repository)
#   FILES="unit/type/hash ..."  files to run (default: every tests/unit/*.tcl and tests/unit/type/*.tcl)
#   SERVERS="real embedded"     which servers to run
#   PORT_REAL=20100 PORT_EMB=20200   client ports (the bus is port+10000, so keep them below 22768)
#   DATA=/tmp/rt-cm-data       data dirs (<DATA>-real, <DATA>-embedded), wiped per file
#   FILE_TIMEOUT=900           wall-clock limit per file (runtest itself gets --timeout 120)
#   EXTRA_ARGS=""              more runtest args (e.g. "--tags -slow")
#   HARNESS_PORT=21111         runtest --baseport: its test server listens on a free port in the 32
#                              below it; give concurrent runs on one machine different values
# Output: <outdir>/results.tsv, <outdir>/logs/<server>/<file>.log (+ .server.log) and a table.
set -u
PROJ=${1:?usage: unit-cluster-mode.sh <redis-ts checkout> [outdir]}
PROJ=$(cd "$PROJ" && pwd)
OUT=${2:-/tmp/redis-unit-cluster-mode}
WORK=${WORK:-/tmp/rt-suite-cm}
SERVERS=${SERVERS:-"real embedded"}
PORT_REAL=${PORT_REAL:-20100}
PORT_EMB=${PORT_EMB:-20200}
DATA=${DATA:-/tmp/rt-cm-data}
FILE_TIMEOUT=${FILE_TIMEOUT:-900}
EXTRA_ARGS=${EXTRA_ARGS:-}
HARNESS_PORT=${HARNESS_PORT:-21111}
TAG=7.0.15
EMB_MAIN="$PROJ/dist/src/node/main.js"
mkdir -p "$OUT/logs"
[ -f "$EMB_MAIN" ] || { echo "no $EMB_MAIN: build the project first (npm run build)"; exit 2; }
command -v redis-server >/dev/null || { echo "redis-server not on PATH"; exit 2; }

if [ ! -f "$WORK/tests/test_helper.tcl" ]; then
  [ -n "${REDIS_GIT:-}" ] || { echo "set REDIS_GIT to a git repository of redis/redis with tag $TAG"; exit 2; }
  mkdir -p "$WORK" && git -C "$REDIS_GIT" archive "$TAG" tests runtest | tar -x -C "$WORK" || exit 2
fi
mkdir -p "$WORK/src" "$WORK/tests/tmp"
for b in redis-server redis-cli redis-benchmark redis-check-aof redis-check-rdb; do
  p=$(command -v $b) && ln -sf "$p" "$WORK/src/$b"
done
[ -n "${FILES:-}" ] || FILES=$(cd "$WORK/tests" && ls unit/*.tcl unit/type/*.tcl | sed 's/\.tcl$//')

port_free() { ! (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null; }
SPID=""
start_server() { # kind port dir log
  local kind=$1 port=$2 dir=$3 log=$4
  rm -rf "$dir"; mkdir -p "$dir"
  port_free "$port" && port_free $((port + 10000)) || { echo "port $port or $((port + 10000)) busy"; return 1; }
  local args=(--port "$port" --bind 127.0.0.1 --dir "$dir" --save "" --appendonly no
              --enable-protected-configs yes --enable-debug-command yes --enable-module-command yes
              --cluster-enabled yes --cluster-config-file nodes.conf)
  if [ "$kind" = real ]; then redis-server "${args[@]}" >"$log" 2>&1 &
  else node "$EMB_MAIN" "${args[@]}" >"$log" 2>&1 &
  fi
  SPID=$!
  local up=0
  for _ in $(seq 1 100); do
    redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && { up=1; break; }
    sleep 0.1
  done
  [ $up = 1 ] || { echo "server $kind did not start"; return 1; }
  redis-cli -p "$port" cluster addslotsrange 0 16383 >/dev/null
  for _ in $(seq 1 100); do
    redis-cli -p "$port" cluster info 2>/dev/null | grep -q 'cluster_state:ok' && return 0
    sleep 0.1
  done
  echo "server $kind: cluster_state did not become ok"; return 1
}
stop_server() {
  if kill -0 "$SPID" 2>/dev/null; then
    kill -TERM "$SPID" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$SPID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$SPID" 2>/dev/null && kill -KILL "$SPID" 2>/dev/null
    wait "$SPID" 2>/dev/null
    return 0
  fi
  wait "$SPID" 2>/dev/null
  return 1
}

RES="$OUT/results.tsv"
[ -f "$RES" ] || printf "file\tserver\tok\terr\texception\ttimeout\tserver_died\tsecs\n" >"$RES"
for f in $FILES; do
  case $f in unit/moduleapi*|unit/cluster/*) continue;; esac
  for s in $SERVERS; do
    if [ "$s" = real ]; then port=$PORT_REAL; else port=$PORT_EMB; fi
    mkdir -p "$OUT/logs/$s/$(dirname "$f")"
    log="$OUT/logs/$s/$f.log"
    awk -F'\t' -v f="$f" -v s="$s" '!($1==f && $2==s)' "$RES" >"$RES.tmp" && mv "$RES.tmp" "$RES"
    if ! start_server "$s" "$port" "$DATA-$s" "$OUT/logs/$s/$f.server.log"; then
      stop_server; printf "%s\t%s\t0\t0\t1\t0\tnostart\t0\n" "$f" "$s" >>"$RES"; continue
    fi
    t0=$(date +%s)
    (cd "$WORK" && TERM=dumb timeout -k 10 "$FILE_TIMEOUT" ./runtest --host 127.0.0.1 --port "$port" \
       --single "$f" --clients 1 --timeout 120 --cluster-mode --baseport "$HARNESS_PORT" --portcount 32 $EXTRA_ARGS >"$log" 2>&1 </dev/null)
    rc=$?
    t1=$(date +%s)
    died=no; stop_server || died=yes
    sed -i 's/\x1b\[[0-9;]*m//g' "$log"
    ok=$(grep -c '^\[ok\]' "$log"); err=$(grep -c '^\[err\]' "$log")
    exc=$(grep -c '^\[exception\]' "$log"); to=$(grep -c '^\[TIMEOUT\]' "$log")
    if [ $rc = 124 ] || [ $rc = 137 ]; then to=$((to + 1)); echo "[runner] killed after ${FILE_TIMEOUT}s" >>"$log"; fi
    printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n" "$f" "$s" "$ok" "$err" "$exc" "$to" "$died" "$((t1 - t0))" >>"$RES"
    echo "$f [$s]: ok=$ok err=$err exception=$exc timeout=$to server_died=$died ($((t1 - t0))s)"
  done
done

echo
awk -F'\t' 'NR>1 { if (!($1 in seen)) {order[++n]=$1; seen[$1]=1}
                   ok[$1,$2]=$3; er[$1,$2]=$4; ab[$1,$2]=(($5+$6)>0?"ABORT":"") ($7!="no"?" died":"") }
  END { printf "%-28s | %-22s | %-22s\n", "file (ok err)", "real", "embedded"
        for (i=1;i<=n;i++) { f=order[i]; printf "%-28s", f
          for (j=1;j<=2;j++) { s=(j==1?"real":"embedded")
            if ((f,s) in ok) { printf " | %5d %5d %-10s", ok[f,s], er[f,s], ab[f,s]; t[s]+=ok[f,s]; te[s]+=er[f,s] }
            else printf " | %-22s", "" }
          printf "\n" }
        printf "%-28s | %5d %5d            | %5d %5d\n", "TOTAL", t["real"], te["real"], t["embedded"], te["embedded"] }' "$RES"
# Tests real redis-server passes and the embedded node does not:
if [ -f "$OUT/logs/real" ] || [ -d "$OUT/logs/real" ]; then
  for f in $FILES; do
    r="$OUT/logs/real/$f.log"; e="$OUT/logs/embedded/$f.log"
    [ -f "$r" ] && [ -f "$e" ] || continue
    comm -23 <(sed -n 's/^\[ok\]: \(.*\) ([0-9]* ms)$/\1/p' "$r" | sort -u) <(sed -n 's/^\[ok\]: \(.*\) ([0-9]* ms)$/\1/p' "$e" | sort -u) |
      sed "s#^#$f: #"
  done >"$OUT/diff.txt"
  echo "tests real passes and embedded does not: $OUT/diff.txt ($(wc -l <"$OUT/diff.txt") lines)"
fi
