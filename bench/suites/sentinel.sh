#!/usr/bin/env bash
# Redis's own Sentinel suite (tests/sentinel, `./runtest-sentinel`) against real and embedded
# binaries, one file at a time, in four pairings:
#   real          redis-sentinel + redis-server            (the baseline)
#   emb-sentinel  embedded Sentinels + redis-server nodes
#   emb-node      redis-sentinel + embedded nodes
#   emb           embedded Sentinels + embedded nodes
#
# usage: bench/suites/sentinel.sh [-p "real emb"] [file-pattern ...]
#   -p          pairings to run (default: all four, in the order above)
#   patterns    run only the test files whose name contains one of them (default: every file)
# environment (optional unless said):
#   REDIS_GIT       git repository of redis/redis holding REDIS_REF (required)
#   REDIS_REF       tag to extract (default 7.0.15)
#   OUT             results and work directory (default /tmp/redis-ts-sentinel-suite)
#   SENTINEL_PORT   first Sentinel port (default 20000), REDIS_PORT first node port (default 30000);
#                   each pairing searches PORT_SPAN ports (default 400) above them, and like the
#                   harness needs port+10000 free as well
#   FILE_TIMEOUT    seconds per file before the harness is stopped (default 900)
#   REDIS_SERVER    real server binary (default /usr/bin/redis-server; Sentinel = it with --sentinel)
#   NODE            node binary (default node)
#
# The suite is extracted unchanged into OUT/<pairing>/suite; the only additions are the two
# wrappers src/redis-server and src/redis-sentinel (they record their PID, then exec the real
# binary or `node <checkout>/dist/src/node/main.js <conf> [--sentinel]`) and driver.tcl, which
# sets the harness's base ports (instances.tcl hard-codes 20000/30000) and sources run.tcl.
# After each file every instance a wrapper started is stopped by its PID.
# Logs: OUT/<pairing>/<file>.log (+ <file>.instances/: each instance's log); table: OUT/summary.txt (passed/started per file and pairing).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PAIRINGS="real emb-sentinel emb-node emb"
if [ "${1:-}" = "-p" ]; then PAIRINGS=$2; shift 2; fi
PATTERNS=("$@")
REDIS_GIT=${REDIS_GIT:?set REDIS_GIT to a git repository of redis/redis (e.g. the fetch of github:redis/redis)}
REDIS_REF=${REDIS_REF:-7.0.15}
OUT=${OUT:-/tmp/redis-ts-sentinel-suite}
SENTINEL_PORT=${SENTINEL_PORT:-20000}
REDIS_PORT=${REDIS_PORT:-30000}
PORT_SPAN=${PORT_SPAN:-400}
FILE_TIMEOUT=${FILE_TIMEOUT:-900}
REDIS_SERVER=${REDIS_SERVER:-/usr/bin/redis-server}
NODE=${NODE:-node}
MAIN="$ROOT/dist/src/node/main.js"
case " $PAIRINGS " in *emb*) [ -f "$MAIN" ] || { echo "no $MAIN: npm run build first" >&2; exit 2; } ;; esac
command -v tclsh >/dev/null || { echo "tclsh missing (apt-get install tcl)" >&2; exit 2; }
mkdir -p "$OUT"

wrapper() { # $1 file, $2 command line (after the PID is recorded)
  cat > "$1" <<EOF
#!/bin/sh
echo \$\$ >> "$PIDS"
exec $2
EOF
  chmod +x "$1"
}

ours() { # a recorded PID that still runs inside this suite's tmp dir (PIDs get reused)
  case "$(readlink "/proc/$1/cwd" 2>/dev/null)" in "$suite/tests/sentinel/tmp"*) return 0 ;; esac
  return 1
}

stop_instances() { # stop every instance a wrapper started (SIGTERM, then SIGKILL after 10 s)
  [ -f "$PIDS" ] || return 0
  local pid live i
  live=$(for pid in $(sort -u "$PIDS"); do ours "$pid" && echo "$pid"; done)
  for pid in $live; do kill "$pid" 2>/dev/null; done
  for i in $(seq 100); do
    live=$(for pid in $live; do ours "$pid" && echo "$pid"; done)
    [ -z "$live" ] && break
    sleep 0.1
  done
  for pid in $live; do kill -9 "$pid" 2>/dev/null; done
  : > "$PIDS"
}
# Interrupted (Ctrl-C, or a kill of the script's process group): stop the instances of the file
# that was running, as a finished file does, instead of leaving them behind.
trap 'stop_instances; exit 130' INT
trap 'stop_instances; exit 143' TERM

count() { # "passed started" of one log: a test passed when its output has OK and no FAILED
  python3 - "$1" <<'PYEOF'
import re, sys
txt = re.sub(r'\x1b\[[0-9;]*m', '', open(sys.argv[1], errors='replace').read())
segs = re.split(r'(?m)^(?=\d\d:\d\d:\d\d> )', txt)[1:]
ok = sum(1 for s in segs if 'FAILED' not in s and re.search(r'(?m)(: |^)OK$', s))
print(ok, len(segs))
PYEOF
}

for pairing in $PAIRINGS; do
  case $pairing in
    real)         srv="$REDIS_SERVER \"\$@\"";   sen="$REDIS_SERVER \"\$@\" --sentinel" ;;
    emb-sentinel) srv="$REDIS_SERVER \"\$@\"";   sen="$NODE $MAIN \"\$@\" --sentinel" ;;
    emb-node)     srv="$NODE $MAIN \"\$@\"";     sen="$REDIS_SERVER \"\$@\" --sentinel" ;;
    emb)          srv="$NODE $MAIN \"\$@\"";     sen="$NODE $MAIN \"\$@\" --sentinel" ;;
    *) echo "unknown pairing $pairing (real emb-sentinel emb-node emb)" >&2; exit 2 ;;
  esac
  dir="$OUT/$pairing"
  suite="$dir/suite"
  PIDS="$dir/instance-pids"
  mkdir -p "$dir"
  if [ ! -f "$suite/tests/sentinel/run.tcl" ]; then
    mkdir -p "$suite" && git -C "$REDIS_GIT" archive "$REDIS_REF" tests runtest-sentinel | tar -x -C "$suite" || exit 2
  fi
  mkdir -p "$suite/src"
  wrapper "$suite/src/redis-server" "$srv"
  wrapper "$suite/src/redis-sentinel" "$sen"
  cat > "$suite/driver.tcl" <<EOF
# Base ports for this run, then the suite's own run.tcl (instances.tcl sets the defaults on load).
foreach {var val} {::sentinel_base_port $SENTINEL_PORT ::redis_base_port $REDIS_PORT ::redis_port_count $PORT_SPAN} {
  set \$var \$val
  trace add variable \$var write [list apply {{v val args} {set \$v \$val}} \$var \$val]
}
source tests/sentinel/run.tcl
EOF
  files=()
  for f in "$suite"/tests/sentinel/tests/*.tcl; do
    name=$(basename "$f" .tcl)
    if [ ${#PATTERNS[@]} -gt 0 ]; then
      keep=0; for p in "${PATTERNS[@]}"; do [[ $name == *"$p"* ]] && keep=1; done
      [ $keep = 1 ] || continue
    fi
    files+=("$name")
  done
  for name in "${files[@]}"; do
    log="$dir/$name.log"
    start=$(date +%s)
    (cd "$suite" && TERM=dumb timeout -k 10 "$FILE_TIMEOUT" tclsh driver.tcl --single "$name" --dont-clean > "$log" 2>&1)
    rc=$?
    stop_instances
    # keep every instance's log (the harness's --dont-clean leaves them; its next start removes them)
    rm -rf "$dir/$name.instances" && mkdir -p "$dir/$name.instances"
    for l in "$suite"/tests/sentinel/tmp/*_*/log.txt; do [ -f "$l" ] && cp "$l" "$dir/$name.instances/$(basename "$(dirname "$l")").log"; done
    echo "rc=$rc wall=$(( $(date +%s) - start ))s load=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$log"
    read -r ok started < <(count "$log")
    printf '%-14s %-24s %3d / %3d  rc=%s\n' "$pairing" "$name" "$ok" "$started" "$rc"
  done
done

# passed/started per file for every pairing that has logs
python3 - "$OUT" > "$OUT/summary.txt" <<'EOF'
import os, re, sys
out = sys.argv[1]
pairings = [p for p in ('real', 'emb-sentinel', 'emb-node', 'emb') if os.path.isdir(os.path.join(out, p))]
files = sorted({f[:-4] for p in pairings for f in os.listdir(os.path.join(out, p)) if f.endswith('.log')})
def count(p, f):
    path = os.path.join(out, p, f + '.log')
    if not os.path.exists(path):
        return None
    txt = re.sub(r'\x1b\[[0-9;]*m', '', open(path, errors='replace').read())
    segs = re.split(r'(?m)^(?=\d\d:\d\d:\d\d> )', txt)[1:]
    return sum(1 for s in segs if 'FAILED' not in s and re.search(r'(?m)(: |^)OK$', s)), len(segs)
print('%-22s' % 'file' + ''.join('%15s' % p for p in pairings))
tot = {p: [0, 0] for p in pairings}
for f in files:
    row = '%-22s' % f
    for p in pairings:
        c = count(p, f)
        row += '%15s' % ('-' if c is None else '%d/%d' % c)
        if c:
            tot[p][0] += c[0]; tot[p][1] += c[1]
    print(row)
print('%-22s' % 'total' + ''.join('%15s' % ('%d/%d' % tuple(tot[p])) for p in pairings))
EOF
cat "$OUT/summary.txt"
