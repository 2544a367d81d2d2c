#!/usr/bin/env bash
# redis-py's own cluster tests against a 3-master redis-server cluster and a 3-master embedded
# cluster, side by side; prints the counts and the tests that pass on redis-server but not on the
# embedded cluster. redis-py stays outside the repository.
#
#   bench/suites/redis-py.sh REDIS_PY_DIR OUT_DIR [test files...]
#     REDIS_PY_DIR  a redis-py checkout (tests/ and redis/), e.g. tag v5.0.8:
#                   git -C <redis-py clone> archive v5.0.8 redis tests | tar -x -C REDIS_PY_DIR
#     test files    default: tests/test_cluster.py tests/test_commands.py
# Needs python3 with pytest, pytest-asyncio and pytest-timeout (a venv: PYTHON=venv/bin/python),
# redis-server on PATH and `npm run build` done. Ports: 21500-21502 (real), 21600-21602 (embedded);
# override with REAL_PORT / EMB_PORT.
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
py_dir="$(cd "$1" && pwd)"
out="$(mkdir -p "$2" && cd "$2" && pwd)"
shift 2
files=("$@")
[ ${#files[@]} -gt 0 ] || files=(tests/test_cluster.py tests/test_commands.py)
python="${PYTHON:-python3}"
real_port="${REAL_PORT:-21500}"
emb_port="${EMB_PORT:-21600}"
export XDG_STATE_HOME="$out/state"
cli=(node "$here/bin/run.js")

cleanup() {
  "${cli[@]}" local destroy --name rpy-real -y >/dev/null 2>&1 || true
  "${cli[@]}" local destroy --name rpy-emb -y >/dev/null 2>&1 || true
}
trap cleanup EXIT
"${cli[@]}" create --masters 3 -r 0 --port "$real_port" --name rpy-real --server redis-server --persistence none -y >/dev/null
"${cli[@]}" create --masters 3 -r 0 --port "$emb_port" --name rpy-emb --persistence none -y >/dev/null

run() { # name port
  (cd "$py_dir" && PYTHONPATH="$py_dir" "$python" -m pytest -p no:cacheprovider -q -rA --timeout 60 \
    --redis-url "redis://127.0.0.1:$2/0" --redis-cluster-nodes 3 "${files[@]}" >"$out/$1.txt" 2>&1) || true
  grep -E '^(PASSED|FAILED|ERROR) ' "$out/$1.txt" | awk '{print $1, $2}' | sort -u >"$out/$1.res"
  echo "$1: $(tail -n 1 "$out/$1.txt")"
}
run real "$real_port"
run embedded "$emb_port"
comm -23 <(grep '^PASSED' "$out/real.res" | cut -d' ' -f2) <(grep '^PASSED' "$out/embedded.res" | cut -d' ' -f2) >"$out/diff.txt"
echo "passed on redis-server, not on the embedded cluster: $(wc -l <"$out/diff.txt") (list in $out/diff.txt)"
cat "$out/diff.txt"
