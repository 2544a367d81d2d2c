#!/usr/bin/env bash
# redis-py's own tests against redis-server and the embedded node, side by side; prints the counts
# and the tests that pass on redis-server but not on the embedded node. redis-py stays outside the
# repository.
#
#   bench/suites/redis-py.sh REDIS_PY_DIR OUT_DIR [test files...]
#     REDIS_PY_DIR  a redis-py checkout (tests/ and redis/), e.g. tag v5.0.8:
#                   git -C <redis-py clone> archive v5.0.8 redis tests | tar -x -C REDIS_PY_DIR
#   MODE=cluster (default): a 3-master redis-server cluster and a 3-master embedded cluster made by
#     `redis-ts create`; test files default to tests/test_cluster.py tests/test_commands.py.
#     Ports 21500-21502 (real), 21600-21602 (embedded); REAL_PORT / EMB_PORT.
#   MODE=standalone: one `redis-server --save '' --appendonly no` and one `redis-ts node` with the
#     same arguments, each in a directory of its own under OUT_DIR; every test file runs as its own
#     pytest session (servers kept between files), sync files then tests/test_asyncio/, all on
#     redis-server, then all on the node. Ports 21700 (real), 21710 (embedded); REAL_PORT /
#     EMB_PORT; NETNS=1: 6379 and 6380 in a private network namespace (below). Out:
#     <engine>/<file>.txt, <engine>.res (PASSED/FAILED/ERROR file::test), counts.tsv (per file),
#     diff.txt; each test of diff.txt is re-run alone RERUNS (3) times on both (reruns.txt). SERVER_ARGS: more arguments for
#     both servers (e.g. "--enable-debug-command yes"); PYTEST_ARGS: more pytest arguments (e.g.
#     "--protocol 3" for RESP3 connections).
# asyncio_mode=auto as redis-py's tox.ini [pytest] sets it (its async tests carry no marker).
# Needs python3 with pytest, pytest-asyncio and pytest-timeout (PYTHON=..., e.g. /usr/bin/python3 on
# Debian or a venv), redis-server on PATH and `npm run build` done.
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
py_dir="$(cd "$1" && pwd)"
out="$(mkdir -p "$2" && cd "$2" && pwd)"
shift 2
files=("$@")
mode="${MODE:-cluster}"
python="${PYTHON:-python3}"
cli=(node "$here/bin/run.js")

pytest_run() { # log url files...
  local log="$1" url="$2"
  shift 2
  (cd "$py_dir" && PYTHONPATH="$py_dir" timeout "${FILE_TIMEOUT:-1800}" "$python" -m pytest \
    -p no:cacheprovider -o asyncio_mode=auto -q -rA --timeout "${TEST_TIMEOUT:-60}" --redis-url "$url" \
    ${PYTEST_ARGS:-} "$@" >"$log" 2>&1) || true
}

results() { # log -> "STATUS file::test" lines
  grep -E '^(PASSED|FAILED|ERROR) tests/' "$1" | awk '{print $1, $2}' | sort -u || true
}

if [ "$mode" = cluster ]; then
  [ ${#files[@]} -gt 0 ] || files=(tests/test_cluster.py tests/test_commands.py)
  real_port="${REAL_PORT:-21500}"
  emb_port="${EMB_PORT:-21600}"
  export XDG_STATE_HOME="$out/state"
  cleanup() {
    "${cli[@]}" local destroy --name rpy-real -y >/dev/null 2>&1 || true
    "${cli[@]}" local destroy --name rpy-emb -y >/dev/null 2>&1 || true
  }
  trap cleanup EXIT
  "${cli[@]}" create --masters 3 -r 0 --port "$real_port" --name rpy-real --server redis-server --persistence none -y >/dev/null
  "${cli[@]}" create --masters 3 -r 0 --port "$emb_port" --name rpy-emb --persistence none -y >/dev/null
  run() { # name port
    pytest_run "$out/$1.txt" "redis://127.0.0.1:$2/0" --redis-cluster-nodes 3 "${files[@]}"
    results "$out/$1.txt" >"$out/$1.res"
    echo "$1: $(tail -n 1 "$out/$1.txt")"
  }
  run real "$real_port"
  run embedded "$emb_port"
  comm -23 <(grep '^PASSED' "$out/real.res" | cut -d' ' -f2) <(grep '^PASSED' "$out/embedded.res" | cut -d' ' -f2) >"$out/diff.txt"
  echo "passed on redis-server, not on the embedded cluster: $(wc -l <"$out/diff.txt") (list in $out/diff.txt)"
  cat "$out/diff.txt"
  exit 0
fi

[ "$mode" = standalone ] || { echo "MODE is cluster or standalone" >&2; exit 2; }
# NETNS=1: in a network namespace of its own (unshare -n, loopback up), each server in turn on
# 6379 with a second one of the same kind on 6380: the tests that hard-code localhost:6379
# (sentinel master_for/slave_for/dead_pool, single-connection-from-URL, asyncio pool tests) and
# test_psync's 6380 then reach a server instead of failing on both sides.
if [ "${NETNS:-0}" = 1 ] && [ -z "${RPY_IN_NETNS:-}" ]; then
  unshare -n true 2>/dev/null || { echo "unshare -n is not permitted here" >&2; exit 2; }
  RPY_IN_NETNS=1 exec unshare -n bash -c 'ip link set lo up && exec bash "$@"' bash "$0" "$py_dir" "$out" "${files[@]}"
fi
if [ ${#files[@]} -eq 0 ]; then
  # Modules (json, search, timeseries, bloom, graph), ssl and cluster files fail or skip on both;
  # test_asyncio/test_cwe_404.py binds 5380 and 16379+ for its proxies, outside our port range.
  for f in commands pubsub scripting pipeline lock connection connection_pool encoding function \
    hash monitor multiprocessing retry helpers command_parser credentials sentinel connect; do
    files+=("tests/test_$f.py")
  done
  files+=(tests/test_parsers/test_helpers.py)
  for f in commands pubsub scripting pipeline lock connection connection_pool encoding hash \
    monitor retry credentials sentinel sentinel_managed_connection connect; do
    files+=("tests/test_asyncio/test_$f.py")
  done
fi
if [ -n "${RPY_IN_NETNS:-}" ]; then
  real_port=6379 emb_port=6379
else
  real_port="${REAL_PORT:-21700}" emb_port="${EMB_PORT:-21710}"
fi
server_args=(--save '' --appendonly no)
# shellcheck disable=SC2206 # SERVER_ARGS: extra arguments for both servers, split on spaces
server_args+=(${SERVER_ARGS:-})
pids=()
stop_servers() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
  done
  pids=()
}
trap stop_servers EXIT

wait_port() { # port
  for _ in $(seq 100); do
    [ "$(redis-cli -p "$1" ping 2>/dev/null)" = PONG ] && return 0
    sleep 0.1
  done
  echo "server on $1 did not answer" >&2
  exit 1
}

start() { # engine port dir
  mkdir -p "$3"
  if [ "$1" = real ]; then
    (cd "$3" && exec redis-server --port "$2" --dir "$3" "${server_args[@]}" >"$3/server.log" 2>&1) &
  else
    (cd "$3" && exec "${cli[@]}" node --port "$2" --dir "$3" "${server_args[@]}" >"$3/server.log" 2>&1) &
  fi
  pids+=($!)
  wait_port "$2"
}

port_of() { if [ "$1" = real ]; then echo "$real_port"; else echo "$emb_port"; fi; }
start_engine() { # engine: its server, and in the namespace the second one on 6380
  start "$1" "$(port_of "$1")" "$out/$1"
  if [ -n "${RPY_IN_NETNS:-}" ]; then start "$1" 6380 "$out/$1/6380"; fi
}

if [ -z "${RPY_IN_NETNS:-}" ]; then start_engine real; start_engine embedded; fi
for e in real embedded; do
  rm -f "$out/$e"/*.txt "$out/$e"/*.res
  : >"$out/$e.res"
  [ -z "${RPY_IN_NETNS:-}" ] || start_engine "$e"
  for f in "${files[@]}"; do
    name="$(echo "${f#tests/}" | tr / _)"
    pytest_run "$out/$e/$name.txt" "redis://127.0.0.1:$(port_of "$e")/0" "$f"
    results "$out/$e/$name.txt" | tee -a "$out/$e.res" >"$out/$e/$name.res"
  done
  [ -z "${RPY_IN_NETNS:-}" ] || stop_servers
done

printf 'file\treal_passed\treal_failed\temb_passed\temb_failed\treal_only\n' >"$out/counts.tsv"
for f in "${files[@]}"; do
  name="$(echo "${f#tests/}" | tr / _)"
  rp=$(grep -c '^PASSED' "$out/real/$name.res" || true)
  rf=$(grep -vc '^PASSED' "$out/real/$name.res" || true)
  ep=$(grep -c '^PASSED' "$out/embedded/$name.res" || true)
  ef=$(grep -vc '^PASSED' "$out/embedded/$name.res" || true)
  only=$(comm -23 <(grep '^PASSED' "$out/real/$name.res" | cut -d' ' -f2 | sort) \
    <(grep '^PASSED' "$out/embedded/$name.res" | cut -d' ' -f2 | sort) | wc -l)
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$f" "$rp" "$rf" "$ep" "$ef" "$only" | tee -a "$out/counts.tsv"
done
comm -23 <(grep '^PASSED' "$out/real.res" | cut -d' ' -f2 | sort) \
  <(grep '^PASSED' "$out/embedded.res" | cut -d' ' -f2 | sort) >"$out/diff.txt"
awk -F'\t' 'NR>1 {rp+=$2; rf+=$3; ep+=$4; ef+=$5}
  END {printf "total: redis-server %d passed / %d failed; embedded %d passed / %d failed\n", rp, rf, ep, ef}' "$out/counts.tsv"
echo "passed on redis-server, not on the embedded node: $(wc -l <"$out/diff.txt") (list in $out/diff.txt)"
: >"$out/reruns.txt"
[ "${RERUNS:-3}" -gt 0 ] && [ -s "$out/diff.txt" ] || exit 0
for e in real embedded; do
  [ -z "${RPY_IN_NETNS:-}" ] || start_engine "$e"
  while read -r t; do
    ok=0
    for _ in $(seq "${RERUNS:-3}"); do
      pytest_run "$out/rerun.log" "redis://127.0.0.1:$(port_of "$e")/0" "$t"
      grep -q '^PASSED ' "$out/rerun.log" && ok=$((ok + 1))
    done
    echo "$e $ok/${RERUNS:-3} $t" | tee -a "$out/reruns.txt"
  done <"$out/diff.txt"
  [ -z "${RPY_IN_NETNS:-}" ] || stop_servers
done
