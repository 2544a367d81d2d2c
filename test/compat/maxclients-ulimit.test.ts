// maxclients against the open-files limit (redis adjustOpenFilesLimit / updateMaxclients), both
// servers started the same way under `ulimit -n`: maxclients reduced to fit with the same three
// warnings, CONFIG SET of a value that does not fit refused with the same error (the old value
// kept), and a limit too low to start at all ends the start with exit code 1. With CAP_SYS_RESOURCE
// (root) either would raise its limit instead (redis-server with setrlimit, the node through
// prlimit(1)), so as root both run without it (setpriv), as an unprivileged user would.
import {after, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {spawn, spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {Redis} from 'ioredis'
import {embeddedCommand} from '../../src/local/launcher.js'
import {freePort} from './harness.js'
import {redisSkip} from '../helpers/redis-server.js'
import {waitUntil} from '../helpers/failover.js'

const root = process.getuid?.() === 0
const setpriv = spawnSync('setpriv', ['--version']).status === 0
const unprivileged = root ? ['setpriv', '--bounding-set=-sys_resource'] : []
const SERVERS: Record<string, () => string[]> = {
  'redis-server': () => [...unprivileged, 'redis-server'],
  'the embedded node': () => {
    const {cmd, args} = embeddedCommand()
    return [...unprivileged, cmd, ...args]
  },
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'redis-ts-ulimit-'))
after(() => rmSync(dir, {recursive: true, force: true}))

/** `sh -c 'ulimit -n <n>; exec <argv>'`: the limit applies to the server alone. */
function underUlimit(limit: number, argv: string[]) {
  const quoted = argv.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ')
  return spawn('sh', ['-c', `ulimit -n ${limit} && exec ${quoted}`], {stdio: 'ignore'})
}

/** The warning lines of a log, without the pid/role/time prefix. */
function warnings(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => /^\d+:[A-Z] .+? # (.*)$/.exec(l)?.[1])
    .filter((l): l is string => l !== undefined)
}

/** The warnings about the open-files limit (redis also warns at start about overcommit and more). */
const limitWarnings = (lines: string[]) => lines.filter((l) => /maxclients|open files|ulimit|applying new configuration/.test(l))

interface Seen {
  startWarnings: string[]
  maxclients: string
  tooMany: string
  afterRefusal: string
  fewer: string
  setWarnings: string[]
}

async function observe(name: string): Promise<Seen> {
  const port = await freePort()
  const log = path.join(dir, `${port}.log`)
  const p = underUlimit(100, [...SERVERS[name](), '--port', String(port), '--bind', '127.0.0.1', '--maxclients', '1000', '--save', '', '--dir', dir, '--logfile', log])
  const exited = new Promise((r) => p.once('exit', r))
  const c = new Redis({host: '127.0.0.1', port, maxRetriesPerRequest: 0, retryStrategy: () => 50, lazyConnect: true})
  c.on('error', () => undefined) // refused until the server listens
  try {
    await waitUntil(async () => (await c.ping().catch(() => '')) === 'PONG', 20_000, `${name} answers PING`)
    const all = warnings(log)
    const startWarnings = limitWarnings(all)
    const get = async () => ((await c.config('GET', 'maxclients')) as string[])[1]
    const maxclients = await get()
    const tooMany = await c.config('SET', 'maxclients', '200').then(String, (e: Error) => e.message)
    const afterRefusal = await get()
    const setWarnings = limitWarnings(warnings(log).slice(all.length))
    const fewer = String(await c.config('SET', 'maxclients', '50')) + ' ' + (await get())
    return {startWarnings, maxclients, tooMany, afterRefusal, fewer, setWarnings}
  } finally {
    c.disconnect()
    p.kill('SIGKILL')
    await exited
  }
}

describe('compat: maxclients under a low open-files limit', {skip: redisSkip() || (root && !setpriv ? 'setpriv missing (needed to run redis-server as root without CAP_SYS_RESOURCE)' : false)}, () => {
  test('reduced at start, CONFIG SET refused above the limit, the same words', async () => {
    const real = await observe('redis-server')
    const emb = await observe('the embedded node')
    assert.equal(real.maxclients, '68')
    assert.deepEqual(emb, real)
    // the three warnings, at start and again for the refused CONFIG SET (plus the restore line)
    assert.equal(real.startWarnings.length, 3)
    assert.match(real.setWarnings.at(-1) ?? '', /^Failed applying new configuration\. Possibly related to new maxclients setting\./)
  })

  test('a limit below the reserved descriptors ends the start with exit code 1 and the same line', async () => {
    const results: {code: number | null; last: string}[] = []
    for (const name of Object.keys(SERVERS)) {
      const log = path.join(dir, `low-${name.replaceAll(' ', '-')}.log`)
      const p = underUlimit(30, [...SERVERS[name](), '--port', String(await freePort()), '--save', '', '--dir', dir, '--logfile', log])
      // a server that starts anyway is stopped after a while: its exit code (null) then fails the test
      const timer = setTimeout(() => p.kill('SIGKILL'), 20_000)
      const code = await new Promise<number | null>((r) => p.once('exit', (c) => r(c)))
      clearTimeout(timer)
      results.push({code, last: warnings(log).at(-1) ?? ''})
    }
    assert.equal(results[0].code, 1)
    assert.match(results[0].last, /^Your current 'ulimit -n' of 30 is not enough for the server to start\. Please increase your open file limit to at least 10032\. Exiting\.$/)
    assert.deepEqual(results[1], results[0])
  })
})
