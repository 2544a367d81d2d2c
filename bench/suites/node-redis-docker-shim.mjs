#!/usr/bin/env node
// A stand-in for the `docker` commands node-redis's test-utils (packages/test-utils/lib/dockers.ts)
// runs, so its suite runs unchanged on a machine without docker (bench/suites/node-redis.sh puts a
// `docker` wrapper calling this first on PATH). What test-utils does and what this answers:
//   docker run --init -e PORT=<p> [-v <conf>:/redis/config/node-sentinel-1/redis.conf] -d
//          --network host <image>:<tag> [server args...]
//     -> starts redis-server (SHIM_ENGINE=real) or an embedded node (SHIM_ENGINE=embedded) with
//        `--port <p> <server args>` in its own directory, whatever the image and tag; with the
//        Sentinel mount, a Sentinel on a copy of that file (test-utils deletes it right after).
//        Prints a container id once the port accepts connections (test-utils then polls it too).
//   docker rm -f <id> / docker stop <id> / docker kill <id>
//     -> stops that server by its PID, fork children first (a BGSAVE child outlives its parent).
//   anything else (TLS_ENABLED=yes, the cae-resp-proxy image, docker exec) -> exit 125 with a
//     message: neither engine is started for those, so their tests fail on both sides alike.
// Environment: SHIM_ENGINE (real | embedded), SHIM_STATE (directory holding one directory per
// "container": pid, argv, log, the server's working directory), REDIS_TS_DIR (the checkout, for
// dist/src/node/main.js), REDIS_SERVER (default /usr/bin/redis-server).
import {spawn, execFileSync} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {createConnection} from 'node:net'
import fs from 'node:fs'
import path from 'node:path'

const engine = process.env.SHIM_ENGINE ?? 'real'
const state = process.env.SHIM_STATE
const tsDir = process.env.REDIS_TS_DIR
const redisServer = process.env.REDIS_SERVER ?? '/usr/bin/redis-server'
const SENTINEL_CONF = '/redis/config/node-sentinel-1/redis.conf'

function fail(msg, code = 125) {
  process.stderr.write(`docker-shim: ${msg}\n`)
  process.exit(code)
}

if (!state) fail('SHIM_STATE is not set')
fs.mkdirSync(state, {recursive: true})
fs.appendFileSync(path.join(state, 'calls.log'), `${new Date().toISOString()} ${process.argv.slice(2).join(' ')}\n`)

function parseRun(args) {
  const env = {}
  const mounts = []
  let i = 0
  for (; i < args.length; i++) {
    const a = args[i]
    if (a === '-e' || a === '--env') {
      const [k, ...v] = args[++i].split('=')
      env[k] = v.join('=')
    } else if (a === '-v' || a === '--volume') mounts.push(args[++i])
    else if (a === '--network' || a === '--name' || a === '-p') i++
    else if (a.startsWith('-')) continue // --init, -d, --rm
    else break
  }
  return {env, mounts, image: args[i], serverArgs: args.slice(i + 1)}
}

function portOpen(port) {
  return new Promise((resolve) => {
    const s = createConnection({port, host: '127.0.0.1'})
    s.once('connect', () => (s.destroy(), resolve(true)))
    s.once('error', () => resolve(false))
  })
}

function alive(pid) {
  try {
    process.kill(pid, 0)
    return !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].startsWith('Z')
  } catch {
    return false
  }
}

async function run(args) {
  const {env, mounts, image, serverArgs} = parseRun(args)
  if (!image) fail('run: no image')
  if (env.TLS_ENABLED === 'yes') fail(`run ${image}: TLS is not provided by this shim`)
  if (!image.includes('client-libs-test')) fail(`run ${image}: only redis server images are provided`)
  const port = Number(env.PORT)
  if (!port) fail('run: no PORT')
  const id = randomBytes(32).toString('hex')
  const dir = path.join(state, id)
  const work = path.join(dir, 'work')
  fs.mkdirSync(work, {recursive: true})
  const sentinelMount = mounts.find((m) => m.endsWith(`:${SENTINEL_CONF}`))
  let argv
  if (sentinelMount) {
    const conf = path.join(work, 'sentinel.conf')
    fs.copyFileSync(sentinelMount.slice(0, -SENTINEL_CONF.length - 1), conf)
    argv = engine === 'real'
      ? [redisServer, conf, '--sentinel', ...serverArgs]
      : [process.execPath, path.join(tsDir, 'dist/src/node/main.js'), conf, '--sentinel', ...serverArgs]
  } else {
    argv = engine === 'real'
      ? [redisServer, '--port', String(port), ...serverArgs]
      : [process.execPath, path.join(tsDir, 'dist/src/node/main.js'), '--port', String(port), ...serverArgs]
  }
  const log = fs.openSync(path.join(dir, 'log'), 'a')
  const child = spawn(argv[0], argv.slice(1), {cwd: work, detached: true, stdio: ['ignore', log, log]})
  fs.writeFileSync(path.join(dir, 'pid'), String(child.pid))
  fs.writeFileSync(path.join(dir, 'argv'), argv.join(' ') + '\n')
  child.unref()
  const deadline = Date.now() + 30000
  while (!(await portOpen(port))) {
    if (!alive(child.pid)) fail(`run: the server exited: ${fs.readFileSync(path.join(dir, 'log'), 'utf8').slice(-2000)}`, 1)
    if (Date.now() > deadline) fail(`run: port ${port} not open after 30 s`, 1)
    await new Promise((r) => setTimeout(r, 25))
  }
  process.stdout.write(`${id}\n`)
  process.exit(0)
}

function childrenOf(pid) {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], {encoding: 'utf8'}).split('\n').filter(Boolean).map(Number)
  } catch {
    return []
  }
}

// The PID is still the one this shim started if the process runs in the container's directory.
function ours(pid, work) {
  try {
    return fs.readlinkSync(`/proc/${pid}/cwd`) === work
  } catch {
    return false
  }
}

async function remove(ids) {
  for (const id of ids) {
    const dir = path.join(state, id)
    let pid
    try {
      pid = Number(fs.readFileSync(path.join(dir, 'pid'), 'utf8'))
    } catch {
      fail(`Error response from daemon: No such container: ${id}`, 1)
    }
    if (ours(pid, path.join(dir, 'work'))) {
      try {
        process.kill(pid, 'SIGSTOP')
        for (const c of childrenOf(pid)) {
          try { process.kill(c, 'SIGKILL') } catch {}
        }
        process.kill(pid, 'SIGKILL')
      } catch {}
      const deadline = Date.now() + 10000
      while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    }
    fs.renameSync(path.join(dir, 'pid'), path.join(dir, 'pid.stopped'))
    process.stdout.write(`${id}\n`)
  }
}

const [cmd, ...rest] = process.argv.slice(2)
if (cmd === 'run') await run(rest)
else if (cmd === 'rm' || cmd === 'stop' || cmd === 'kill') await remove(rest.filter((a) => !a.startsWith('-')))
else fail(`${cmd}: not provided by this shim`)
