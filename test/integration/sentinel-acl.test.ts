// ACL inside a Sentinel, compared with redis-server --sentinel (7.0): COMMAND COUNT/LIST, ACL CAT,
// SETUSER rules on SENTINEL subcommands (+sentinel|masters), rules naming commands a Sentinel lacks
// (+get is an error), DRYRUN, NOPERM texts and the ACL LOG of denials, AUTH with users. Then
// Sentinel-to-Sentinel authentication with `sentinel sentinel-user/sentinel-pass`: two embedded and
// one real Sentinel protected by requirepass reach each other through a dedicated ACL user.
import {after, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Redis} from 'ioredis'
import {startDataNode, startSentinelProc, waitAnswers, type SentinelProc} from '../../src/local/sentinel.js'
import {stopPids} from '../../src/local/launcher.js'
import {freePortPair} from '../helpers/ports.js'
import {redisSkip} from '../helpers/redis-server.js'
import {waitFor} from '../helpers/sentinel.js'

const root = mkdtempSync(join(tmpdir(), 'redis-ts-sentinel-acl-'))
const procs: SentinelProc[] = []
const skip = redisSkip()

after(async () => {
  await stopPids(procs.map((p) => p.pid))
  rmSync(root, {recursive: true, force: true})
})

async function sentinel(engine: string, lines: string[]): Promise<SentinelProc> {
  const {port} = await freePortPair()
  const dir = join(root, `s-${port}`)
  mkdirSync(dir, {recursive: true})
  const conf = join(dir, 'sentinel.conf')
  writeFileSync(conf, lines.join('\n') + '\n')
  const p = startSentinelProc(engine, port, dir, conf)
  procs.push(p)
  return p
}

function conn(port: number, auth?: {username?: string; password: string}): Redis {
  const c = new Redis({port, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true, enableReadyCheck: false, ...(auth ?? {})})
  c.on('error', () => {})
  return c
}

async function outcome(c: Redis, args: string[]): Promise<unknown> {
  try {
    return await c.call(args[0], ...args.slice(1))
  } catch (e) {
    return `error: ${(e as Error).message}`
  }
}

const sorted = (v: unknown) => (Array.isArray(v) ? [...v].map(String).sort() : v)
// Rule strings list commands in the order of Redis's command dict (a hash order): compare the rules as a set.
const ruleWords = (v: unknown): unknown => (Array.isArray(v) ? v.map(ruleWords) : typeof v === 'string' && v.includes(' ') ? v.split(' ').sort().join(' ') : v)

describe('ACL in a Sentinel, as redis-server --sentinel', {skip, timeout: 90000}, () => {
  test('COMMAND and ACL replies match', async () => {
    const {port: nowhere} = await freePortPair()
    const conf = [`sentinel monitor m 127.0.0.1 ${nowhere} 2`]
    const emb = await sentinel('embedded', conf)
    const real = await sentinel('redis-server', conf)
    await Promise.all([waitAnswers(emb.port), waitAnswers(real.port)])
    // [command, compare sorted (hash-ordered replies) | compare rule words as a set | exactly]
    const cases: [string[], boolean | 'rules'][] = [
      [['COMMAND', 'COUNT'], false],
      [['COMMAND', 'LIST'], true],
      [['ACL', 'CAT'], false],
      [['ACL', 'CAT', 'admin'], true],
      [['ACL', 'CAT', 'dangerous'], true],
      [['ACL', 'CAT', 'connection'], true],
      [['ACL', 'CAT', 'slow'], true],
      [['ACL', 'CAT', 'read'], true],
      [['ACL', 'CAT', 'nope'], false],
      [['ACL', 'WHOAMI'], false],
      [['ACL', 'SETUSER', 'bob', 'on', '>pw', '+ping', '+auth', '-sentinel'], false],
      [['ACL', 'SETUSER', 'carol', 'on', '>pw', '+get'], false],
      [['ACL', 'SETUSER', 'carol', 'on', '>pw', '+sentinel|nope'], false],
      [['ACL', 'SETUSER', 'eve', 'on', '>pw', '+auth', '+sentinel|masters'], false],
      [['ACL', 'USERS'], false],
      [['ACL', 'LIST'], 'rules'],
      [['ACL', 'GETUSER', 'bob'], 'rules'],
      [['ACL', 'GETUSER', 'eve'], 'rules'],
      [['ACL', 'DRYRUN', 'bob', 'sentinel', 'masters'], false],
      [['ACL', 'DRYRUN', 'eve', 'sentinel', 'masters'], false],
      [['ACL', 'DRYRUN', 'eve', 'sentinel', 'reset', 'x'], false],
      [['ACL', 'DRYRUN', 'default', 'get', 'k'], false],
      [['SENTINEL'], false],
      [['SENTINEL', 'MASTER'], false],
      [['SENTINEL', 'NOPE'], false],
      [['CLIENT', 'SETINFO', 'lib-name', 'x'], false],
      [['AUTH', 'bob', 'wrong'], false],
    ]
    const ce = conn(emb.port)
    const cr = conn(real.port)
    try {
      for (const [args, sort] of cases) {
        const [e, r] = [await outcome(ce, args), await outcome(cr, args)]
        const norm = sort === 'rules' ? ruleWords : sort ? sorted : (v: unknown) => v
        assert.deepEqual(norm(e), norm(r), args.join(' '))
      }
      // Users at work: NOPERM names the subcommand, an allowed subcommand runs, the log records denials.
      for (const [user, args] of [
        ['bob', ['SENTINEL', 'MASTERS']],
        ['eve', ['SENTINEL', 'RESET', 'x']],
        ['eve', ['SENTINEL', 'MASTERS']],
        ['eve', ['PING']],
      ] as [string, string[]][]) {
        const ue = conn(emb.port, {username: user, password: 'pw'})
        const ur = conn(real.port, {username: user, password: 'pw'})
        try {
          const [e, r] = [await outcome(ue, args), await outcome(ur, args)]
          if (typeof r === 'string') assert.equal(e, r, `${user}: ${args.join(' ')}`)
          else assert.equal(Array.isArray(e), Array.isArray(r), `${user}: ${args.join(' ')}`)
        } finally {
          ue.disconnect()
          ur.disconnect()
        }
      }
      const logOf = async (c: Redis) =>
        ((await c.call('ACL', 'LOG')) as unknown[][]).map((entry) => {
          const o: Record<string, unknown> = {}
          for (let i = 0; i + 1 < entry.length; i += 2) o[String(entry[i])] = entry[i + 1]
          return [o.count, o.reason, o.context, o.object, o.username]
        })
      const [le, lr] = [await logOf(ce), await logOf(cr)]
      assert.ok(lr.some((x) => x[3] === 'sentinel|masters'), JSON.stringify(lr))
      assert.deepEqual(le, lr)
      assert.deepEqual(await outcome(ce, ['ACL', 'DELUSER', 'bob', 'carol', 'eve']), await outcome(cr, ['ACL', 'DELUSER', 'bob', 'carol', 'eve']))
    } finally {
      ce.disconnect()
      cr.disconnect()
    }
  })

  test('sentinel-user / sentinel-pass: Sentinels protected by requirepass reach each other (2 embedded + 1 real)', async () => {
    const {port: mport} = await freePortPair()
    const master = startDataNode('embedded', 'master', mport, join(root, `m-${mport}`), [])
    procs.push(master)
    await waitAnswers(mport)
    const conf = [
      'requirepass clientpw',
      'sentinel sentinel-user sentuser',
      'sentinel sentinel-pass sentpw',
      `sentinel monitor acl 127.0.0.1 ${mport} 2`,
      'sentinel down-after-milliseconds acl 1000',
    ]
    const ss = [await sentinel('embedded', conf), await sentinel('embedded', conf), await sentinel('redis-server', conf)]
    await Promise.all(ss.map((s) => waitAnswers(s.port).catch(() => {})))
    for (const s of ss) {
      const c = conn(s.port, {password: 'clientpw'})
      try {
        // A user for Sentinel-to-Sentinel links only; the default user keeps requirepass.
        assert.equal(await c.call('ACL', 'SETUSER', 'sentuser', 'on', '>sentpw', '+@all'), 'OK')
        // The default user's password moves away from requirepass: only sentuser/sentpw opens the links.
        assert.equal(await c.call('ACL', 'SETUSER', 'default', 'resetpass', '>adminpw'), 'OK')
        assert.equal(await c.call('SENTINEL', 'CONFIG', 'GET', 'sentinel-user').then((r) => (r as string[])[1]), 'sentuser')
      } finally {
        c.disconnect()
      }
    }
    const others = async (port: number) => {
      const c = conn(port, {password: 'adminpw'})
      try {
        const r = (await c.call('SENTINEL', 'SENTINELS', 'acl')) as string[][]
        return r.map((f) => ({port: Number(f[f.indexOf('port') + 1]), flags: f[f.indexOf('flags') + 1], lastOk: Number(f[f.indexOf('last-ok-ping-reply') + 1])}))
      } finally {
        c.disconnect()
      }
    }
    // Every Sentinel sees the two others answering its PINGs (authenticated as sentuser), none down.
    await waitFor(
      'authenticated Sentinel links',
      async () => {
        for (const s of ss) {
          const o = await others(s.port)
          if (o.length !== 2 || o.some((x) => x.flags !== 'sentinel' || x.lastOk > 1500)) return false
        }
        return true
      },
      40000,
      300,
    )
    // Without the password a client is refused, so the links above really authenticated.
    const anon = conn(ss[0].port)
    try {
      assert.match(String(await outcome(anon, ['SENTINEL', 'SENTINELS', 'acl'])), /NOAUTH/)
    } finally {
      anon.disconnect()
    }
  })
})
