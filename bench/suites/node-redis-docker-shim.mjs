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
//   docker stop <id> -> SIGTERM to that PID (docker stop's signal), SIGKILL after 10 s as docker does;
//     the "container" stays: docker start <id> runs the same command line in the same directory.
//   docker exec <id> /bin/bash -c "kill -SIGINT 1" (the Sentinel tests' quick stop) -> SIGINT to it.
//   docker rm -f <id> / docker kill <id>
//     -> SIGKILL to that PID, fork children first (a BGSAVE child outlives its parent).
//   anything else (TLS_ENABLED=yes, the cae-resp-proxy image, other docker exec) -> exit 125 with a
//     message: neither engine is started for those, so their tests fail on both sides alike.
//   Without PORT in the environment the port is the server arguments' --port.
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

async function waitPort(dir, pid, port) {
  const deadline = Date.now() + 30000
  while (!(await portOpen(port))) {
    if (!alive(pid)) fail(`the server exited: ${fs.readFileSync(path.join(dir, 'log'), 'utf8').slice(-2000)}`, 1)
    if (Date.now() > deadline) fail(`port ${port} not open after 30 s`, 1)
    await new Promise((r) => setTimeout(r, 25))
  }
}

// Starts the container's command line in its directory, detached (its own session: it outlives
// this shim and the test run; node-redis.sh stops what is left by PID).
async function start(dir) {
  const {argv, port} = JSON.parse(fs.readFileSync(path.join(dir, 'container.json'), 'utf8'))
  const log = fs.openSync(path.join(dir, 'log'), 'a')
  const child = spawn(argv[0], argv.slice(1), {cwd: path.join(dir, 'work'), detached: true, stdio: ['ignore', log, log]})
  fs.writeFileSync(path.join(dir, 'pid'), String(child.pid))
  child.unref()
  await waitPort(dir, child.pid, port)
}

async function run(args) {
  const {env, mounts, image, serverArgs} = parseRun(args)
  if (!image) fail('run: no image')
  if (env.TLS_ENABLED === 'yes') fail(`run ${image}: TLS is not provided by this shim`)
  if (!image.includes('client-libs-test')) fail(`run ${image}: only redis server images are provided`)
  const portArg = serverArgs.indexOf('--port')
  const port = Number(env.PORT ?? (portArg >= 0 ? serverArgs[portArg + 1] : undefined))
  if (!port) fail('run: no PORT')
  const id = randomBytes(32).toString('hex')
  const dir = path.join(state, id)
  const work = path.join(dir, 'work')
  fs.mkdirSync(work, {recursive: true})
  const sentinelMount = mounts.find((m) => m.endsWith(`:${SENTINEL_CONF}`))
  const main = [process.execPath, path.join(tsDir, 'dist/src/node/main.js')]
  let argv
  if (sentinelMount) {
    const conf = path.join(work, 'sentinel.conf')
    fs.copyFileSync(sentinelMount.slice(0, -SENTINEL_CONF.length - 1), conf)
    argv = [...(engine === 'real' ? [redisServer] : main), conf, '--sentinel', ...serverArgs]
  } else {
    argv = [...(engine === 'real' ? [redisServer] : main), ...(env.PORT ? ['--port', env.PORT] : []), ...serverArgs]
  }
  fs.writeFileSync(path.join(dir, 'container.json'), JSON.stringify({argv, port, args}) + '\n')
  await start(dir)
  process.stdout.write(`${id}\n`)
}

function childrenOf(pid) {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], {encoding: 'utf8'}).split('\n').filter(Boolean).map(Number)
  } catch {
    return []
  }
}

function container(id) {
  const dir = path.join(state, id)
  if (!fs.existsSync(path.join(dir, 'container.json')) || fs.existsSync(path.join(dir, 'removed'))) fail(`Error response from daemon: No such container: ${id}`, 1)
  return dir
}

// The container's PID while it runs: the one recorded, if that process still runs in the
// container's directory (PIDs get reused).
function runningPid(dir) {
  try {
    const pid = Number(fs.readFileSync(path.join(dir, 'pid'), 'utf8'))
    return alive(pid) && fs.readlinkSync(`/proc/${pid}/cwd`) === path.join(dir, 'work') ? pid : undefined
  } catch {
    return undefined
  }
}

function killHard(pid) {
  try {
    process.kill(pid, 'SIGSTOP')
    for (const c of childrenOf(pid)) {
      try { process.kill(c, 'SIGKILL') } catch {}
    }
    process.kill(pid, 'SIGKILL')
  } catch {}
}

async function waitGone(pid, ms) {
  const deadline = Date.now() + ms
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
  return !alive(pid)
}

const [cmd, ...rest] = process.argv.slice(2)
const ids = rest.filter((a) => !a.startsWith('-'))
if (cmd === 'run') await run(rest)
else if (cmd === 'rm' || cmd === 'kill') {
  for (const id of ids) {
    const dir = container(id)
    const pid = runningPid(dir)
    if (pid !== undefined) {
      killHard(pid)
      await waitGone(pid, 10000)
    }
    if (cmd === 'rm') fs.writeFileSync(path.join(dir, 'removed'), '')
    process.stdout.write(`${id}\n`)
  }
} else if (cmd === 'stop') {
  for (const id of ids) {
    const dir = container(id)
    const pid = runningPid(dir)
    if (pid !== undefined) {
      try { process.kill(pid, 'SIGTERM') } catch {}
      if (!(await waitGone(pid, 10000))) killHard(pid)
      await waitGone(pid, 10000)
    }
    process.stdout.write(`${id}\n`)
  }
} else if (cmd === 'start') {
  for (const id of ids) {
    const dir = container(id)
    if (runningPid(dir) === undefined) await start(dir)
    process.stdout.write(`${id}\n`)
  }
} else if (cmd === 'exec' && rest.length === 4 && rest[1] === '/bin/bash' && rest[2] === '-c' && rest[3] === 'kill -SIGINT 1') {
  const pid = runningPid(container(rest[0]))
  if (pid === undefined) fail(`Error response from daemon: container ${rest[0]} is not running`, 1)
  process.kill(pid, 'SIGINT')
} else fail(`${cmd}: not provided by this shim`)
process.exit(0)
