#!/usr/bin/env bash
# ioredis's own mocha suite (test/unit, test/functional) against redis-server and against an
# embedded node, one after the other, unchanged; prints passed/failed counts per server and the
# tests that pass on redis-server but not on the embedded node, each re-run alone on the embedded
# node to tell a reproducible difference from one that depends on the run's order or timing.
# ioredis stays outside the repository.
#
#   bench/suites/ioredis.sh IOREDIS_DIR OUT_DIR [test globs...]
#     IOREDIS_DIR  an ioredis checkout of the installed version, its devDependencies installed:
#                    git --git-dir=<ioredis mirror> archive v5.11.1 lib test package.json \
#                      package-lock.json tsconfig.json | tar -x -C IOREDIS_DIR
#                    (cd IOREDIS_DIR && npm ci --ignore-scripts)
#     test globs   default: "test/unit/**/*.ts" "test/functional/**/*.ts" (npm run test:js's);
#                  test/helpers/*.ts (the global afterEach: FLUSHALL, SCRIPT FLUSH) is always loaded
# environment (optional):
#   SERVERS     which servers, in order (default "real embedded")
#   RERUNS      times each differing test is re-run alone on the embedded node (default 3; 0: none)
#   CLUSTER=1   also run test/cluster (npm run test:cluster), which needs a 3-master, 3-replica
#               cluster on 3000-3005 (and bus ports 13000-13005): made by `redis-ts create` with
#               redis-server, then with embedded nodes; CLUSTER=only: test/cluster alone
#   MOCHA_ARGS  more mocha options, e.g. "--timeout 60000" (the suite's own is 8000 ms, which its
#               "large pipelines" tests (600 SETs and GETs of 1 MB) overrun on a slow machine with
#               either server, hiding what they would answer)
#   REDIS_SERVER (default redis-server), NODE (default node)
# ioredis's functional tests hard-code 127.0.0.1:6379 (and MockServers on 30000-30006, 17379-17381,
# 26379, 27379-27382): each server
# is started on 6379 in turn, so the port must be free; when it (or one of the mock ports) is not, the
# script re-runs itself in a network namespace of its own (unshare -n; NETNS=1 always, NETNS=0 never:
# then it refuses to start).
# Every process it starts is stopped by its PID (cluster nodes by `redis-ts local destroy`).
# Output in OUT_DIR: <server>.json (mocha's JSON report), <server>.res (status<TAB>file<TAB>title),
# <server>.log (mocha's stdout/stderr), <server>-server.log, diff.txt, reruns.txt.
set -uo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# 6379: the server under test; the others: the tests' MockServers (and their Sentinel mocks)
fixed_ports=(6379 $(seq 30000 30006) 17379 17380 17381 26379 $(seq 27379 27382))
[ "${CLUSTER:-0}" != 0 ] && fixed_ports+=($(seq 3000 3005) $(seq 13000 13005))
# With NETNS=1, or when one of those ports is taken here (another suite on 6379), the script runs in
# a network namespace of its own (unshare -n, loopback up), where they are free; NETNS=0: never.
if [ -z "${IOREDIS_SUITE_IN_NETNS:-}" ] && [ "${NETNS:-auto}" != 0 ]; then
  want="${NETNS:-auto}"
  if [ "$want" != 1 ]; then
    for p in "${fixed_ports[@]}"; do port_busy "$p" && { want=1; echo "port $p is in use here" >&2; break; }; done
  fi
  if [ "$want" = 1 ]; then
    if unshare -n true 2>/dev/null; then
      echo "running in a private network namespace (unshare -n)" >&2
      IOREDIS_SUITE_IN_NETNS=1 exec unshare -n bash -c 'ip link set lo up && exec bash "$@"' bash "$0" "$@"
    fi
    echo "unshare -n is not permitted here" >&2
  fi
fi
[ $# -ge 2 ] || { sed -n '8,14p' "$0" >&2; exit 2; }
io_dir="$(cd "$1" && pwd)"
out="$(mkdir -p "$2" && cd "$2" && pwd)"
shift 2
globs=("$@")
[ ${#globs[@]} -gt 0 ] || globs=("test/unit/**/*.ts" "test/functional/**/*.ts")
servers=(${SERVERS:-real embedded})
reruns="${RERUNS:-3}"
redis_server="${REDIS_SERVER:-redis-server}"
node_bin="${NODE:-node}"
[ -x "$io_dir/node_modules/.bin/mocha" ] || { echo "no $io_dir/node_modules/.bin/mocha: npm ci in $io_dir first" >&2; exit 2; }
[ -f "$here/dist/src/node/main.js" ] || { echo "no dist/: npm run build first" >&2; exit 2; }

for p in "${fixed_ports[@]}"; do
  if port_busy "$p"; then
    echo "port $p is in use: ioredis's tests hard-code 127.0.0.1:6379 and mock servers on 30000-30006, 1737x, 2737x; free it first" >&2
    exit 3
  fi
done

server_pid=""
stop_server() { # by PID: fork children (a BGSAVE) first, then the server; wait for it to exit
  [ -n "$server_pid" ] || return 0
  local c
  for c in $(pgrep -P "$server_pid" 2>/dev/null); do kill -KILL "$c" 2>/dev/null; done
  kill -TERM "$server_pid" 2>/dev/null
  for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$server_pid" 2>/dev/null
  wait "$server_pid" 2>/dev/null
  server_pid=""
}
cli=("$node_bin" "$here/bin/run.js")
clusters=()
cleanup() {
  stop_server
  for n in "${clusters[@]}"; do XDG_STATE_HOME="$out/state" "${cli[@]}" local destroy --name "$n" -y >/dev/null 2>&1; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_server() { # name
  local dir="$out/$1-data"
  rm -rf "$dir" && mkdir -p "$dir"
  local args=(--port 6379 --bind 127.0.0.1 --save '' --appendonly no --dir "$dir")
  if [ "$1" = real ]; then
    "$redis_server" "${args[@]}" >"$out/$1-server.log" 2>&1 &
  else
    "${cli[@]}" node "${args[@]}" >"$out/$1-server.log" 2>&1 &
  fi
  server_pid=$!
  for _ in $(seq 100); do
    [ "$(redis-cli -p 6379 ping 2>/dev/null)" = PONG ] && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "$1 did not start on 6379 (log: $out/$1-server.log)" >&2
  exit 4
}

mocha() { # report.json args... (run in IOREDIS_DIR, as npm run test:js / test:cluster do)
  local report=$1
  shift
  (cd "$io_dir" && TS_NODE_TRANSPILE_ONLY=true NODE_ENV=test node_modules/.bin/mocha \
    "$@" ${MOCHA_ARGS:-} --reporter json --reporter-option "output=$report")
}

# status<TAB>file<TAB>full title, one line per test; a test that also failed (a hook, done twice) is failed
results() { # report.json
  "$node_bin" -e '
    const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))
    const st = new Map()
    const key = (t) => `${(t.file || "").replace(process.argv[2] + "/", "")}\t${t.fullTitle}`
    for (const t of j.passes) st.set(key(t), "passed")
    for (const t of j.pending) st.set(key(t), "pending")
    for (const t of j.failures) st.set(key(t), "failed")
    for (const [k, s] of [...st].sort()) console.log(`${s}\t${k}`)
  ' "$1" "$io_dir"
}

count() { # name
  local p f s
  p=$(grep -c '^passed' "$out/$1.res")
  f=$(grep -c '^failed' "$out/$1.res")
  s=$(grep -c '^pending' "$out/$1.res")
  echo "$1: $p passed, $f failed, $s pending (skipped by the tests' server-version checks)"
}

for s in "${servers[@]}"; do
  [ "${CLUSTER:-0}" = only ] && break
  start_server "$s"
  echo "$s: mocha ${globs[*]} ..." >&2
  mocha "$out/$s.json" "test/helpers/*.ts" "${globs[@]}" >"$out/$s.log" 2>&1
  stop_server
  results "$out/$s.json" >"$out/$s.res"
  count "$s"
done

if [ "${CLUSTER:-0}" != 0 ]; then
  for s in "${servers[@]}"; do
    flag=()
    [ "$s" = real ] && flag=(--server "$redis_server")
    clusters+=("iors-$s")
    XDG_STATE_HOME="$out/state" "${cli[@]}" create --masters 3 -r 1 --port 3000 --name "iors-$s" "${flag[@]}" \
      --persistence none -y >"$out/cluster-$s-create.log" 2>&1 || { echo "cluster-$s: create failed" >&2; exit 4; }
    mocha "$out/cluster-$s.json" "test/cluster/**/*.ts" >"$out/cluster-$s.log" 2>&1
    XDG_STATE_HOME="$out/state" "${cli[@]}" local destroy --name "iors-$s" -y >/dev/null 2>&1
    results "$out/cluster-$s.json" >"$out/cluster-$s.res"
    count "cluster-$s"
  done
fi

[ ${#servers[@]} -ge 2 ] || exit 0
a=${servers[0]} b=${servers[1]}
diff_of() { # prefix
  comm -23 <(grep '^passed' "$out/$1$a.res" | cut -f2- | sort) <(grep '^passed' "$out/$1$b.res" | cut -f2- | sort)
}
: >"$out/diff.txt"
[ "${CLUSTER:-0}" = only ] || diff_of "" >>"$out/diff.txt"
[ "${CLUSTER:-0}" != 0 ] && diff_of cluster- | sed 's/^/cluster\t/' >>"$out/diff.txt"
echo "passed on $a, not on $b: $(wc -l <"$out/diff.txt") (list in $out/diff.txt)"

# each of them alone (its file, its exact title), RERUNS times on each server: a test that fails
# alone on both (a MockServer test's timing under load) says nothing about the embedded node
rerun_on() { # server -> "<fails>" per line of diff.txt, in its order
  start_server "$1"
  while IFS=$'\t' read -r file title; do
    local fails=0 grep_re
    grep_re=$(printf '%s' "$title" | sed 's/[][\.*^$()+?{}|/]/\\&/g')
    for _ in $(seq "$reruns"); do
      mocha "$out/rerun.json" "test/helpers/*.ts" "$file" --grep "^${grep_re}\$" >/dev/null 2>&1
      results "$out/rerun.json" | grep -qP "^passed\t\Q$file\E\t" || fails=$((fails + 1))
    done
    echo "$fails"
  done <"$out/diff.txt"
  stop_server
  rm -f "$out/rerun.json"
}
: >"$out/reruns.txt"
if [ "$reruns" -gt 0 ] && [ -s "$out/diff.txt" ] && ! grep -q '^cluster' "$out/diff.txt"; then
  rerun_on "$b" >"$out/rerun-$b.txt"
  rerun_on "$a" >"$out/rerun-$a.txt"
  paste "$out/diff.txt" "$out/rerun-$b.txt" "$out/rerun-$a.txt" |
    awk -F'\t' -v n="$reruns" -v a="$a" -v b="$b" 'BEGIN { OFS = "\t" } { print $1, $2, "alone: " b " failed " $3 "/" n ", " a " failed " $4 "/" n }' >"$out/reruns.txt"
fi
if [ -s "$out/reruns.txt" ]; then
  while IFS=$'\t' read -r file title verdict; do echo "  $file: $title  [$verdict]"; done <"$out/reruns.txt"
else
  sed 's/^/  /' "$out/diff.txt"
fi
