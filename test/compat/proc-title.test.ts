// The process title, redis-server and an embedded node (`redis-ts node`) side by side: the same
// proc-title-template at start and by CONFIG SET, read back as /proc/<pid>/cmdline and `ps -o args=`
// word by word (each server's own port and {title} normalised). A title longer than the node's
// command line shows whole, cut at redis's 255 bytes like redis-server's (src/node/proc-title-mem.ts);
// a short one leaves setproctitle's '.' behind. The node's environment still works after it gave
// its memory to the title: a BGSAVE child it spawns gets the environment the node was started with.
import {after, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {waitFor} from '../helpers/repl.js'
import {redisSkip} from '../helpers/redis-server.js'
import {freePortPair} from '../helpers/ports.js'
import {childrenOf, KINDS, ServerProcesses, type Kind, type ServerProcess} from '../helpers/server-process.js'

const linux = process.platform === 'linux'
const START = 'START {title} {listen-addr} {port} {tls-port} {config-file} {server-mode}'
// redis's unit/other test, and one longer than 255 bytes once expanded ({title} after the cut)
const UNIT = 'TEST {title} {listen-addr} {port} {tls-port} {unixsocket} {config-file}'
const WORDS = Array.from({length: 70}, (_, i) => `w${i}`).join(' ')
const LONG = `LONG {listen-addr} {port} ${WORDS} {title}`
const longFor = (s: ServerProcess) => `LONG 127.0.0.1:${s.port} ${s.port} ${WORDS}`

// ServerProcesses runs redis-server by name and the node as process.execPath: their argv[0]
const argv0: Record<Kind, string> = {'redis-server': 'redis-server', embedded: process.execPath}

function normalise(s: ServerProcess, kind: Kind, text: string): string[] {
  return text
    .split(/[\0 ]+/)
    .filter(Boolean)
    .map((w) => (w === String(s.port) ? '<port>' : w === `127.0.0.1:${s.port}` ? '<addr>' : w === argv0[kind] ? '<title>' : w))
}
const cmdline = (s: ServerProcess, kind: Kind) => normalise(s, kind, readFileSync(`/proc/${s.pid}/cmdline`, 'latin1'))
const psArgs = (s: ServerProcess, kind: Kind) => normalise(s, kind, execFileSync('ps', ['-o', 'args=', '-p', String(s.pid)], {encoding: 'latin1'}).trim())

describe('process title, redis-server and embedded node side by side', {skip: redisSkip() || (!linux && 'Linux /proc only')}, () => {
  const procs = new ServerProcesses()
  after(() => procs.stop())
  const servers = {} as Record<Kind, ServerProcess>

  test('the same template at start, by CONFIG SET, long and short: the same cmdline and ps words', {timeout: 120_000}, async () => {
    for (const kind of KINDS) servers[kind] = await procs.launch(kind, ['--proc-title-template', START])
    const both = async (f: (s: ServerProcess, kind: Kind) => string[] | Promise<string[]>) => {
      const r = {} as Record<Kind, string[]>
      for (const kind of KINDS) r[kind] = await f(servers[kind], kind)
      return r
    }
    const same = async (what: string, want: string[]) => {
      const c = await both(cmdline)
      const p = await both(psArgs)
      for (const kind of KINDS) {
        assert.deepEqual(c[kind], want, `${kind} ${what}: /proc/<pid>/cmdline`)
        assert.deepEqual(p[kind], want, `${kind} ${what}: ps -o args=`)
      }
    }
    await same('at start', ['START', '<title>', '<addr>', '<port>', '0', '-'])
    const set = (template: string) => both(async (s) => [String(await s.c.config('SET', 'proc-title-template', template))])
    await set(UNIT)
    await same('unit/other template', ['TEST', '<title>', '<addr>', '<port>', '0', '-'])
    await set(LONG)
    // expanded: LONG 127.0.0.1:<port> <port> w0 ... w69 <title>: cut at 255 bytes, inside the w words
    const expanded = longFor(servers.embedded)
    assert.ok(expanded.length > 255 && String(servers['redis-server'].port).length === String(servers.embedded.port).length)
    const cut = normalise(servers.embedded, 'embedded', expanded.slice(0, 255))
    await same('long template', cut)
    // byte for byte up to the cut (a title longer than the node's own command line takes the
    // environment's memory: test/unit/node-proc-title-mem.test.ts)
    for (const kind of KINDS) {
      const raw = readFileSync(`/proc/${servers[kind].pid}/cmdline`, 'latin1')
      assert.equal(raw.slice(0, 256), longFor(servers[kind]).slice(0, 255) + '\0', kind)
    }
    await set('x')
    await same('short template', ['x', '.'])
    // an invalid template changes nothing
    for (const kind of KINDS) await assert.rejects(servers[kind].c.config('SET', 'proc-title-template', '{invalid-var}'), /template format is invalid/)
    await same('after a refused template', ['x', '.'])
  })

  test('CONFIG SET port retitles (redis changeListenPort)', {timeout: 120_000}, async () => {
    for (const kind of KINDS) {
      const s = await procs.launch(kind, ['--proc-title-template', UNIT])
      const {port} = await freePortPair()
      assert.equal(await s.c.config('SET', 'port', String(port)), 'OK') // the open connection stays
      const want = ['TEST', '<title>', `127.0.0.1:${port}`, String(port), '0', '-']
      let got: string[] = []
      await waitFor(() => (got = cmdline(s, kind)).join(' ') === want.join(' '), 20_000, `${kind}: the title of the new port`).catch(() => assert.deepEqual(got, want, kind))
    }
  })

  test('embedded: a child the node spawns gets the environment it was started with', {timeout: 120_000}, async () => {
    const s = await procs.launch('embedded', ['--proc-title-template', START])
    await s.c.config('SET', 'proc-title-template', LONG)
    const p = s.c.pipeline()
    for (let i = 0; i < 20; i++) p.set(`k${i}`, `v${i}`)
    await p.exec()
    await s.c.config('SET', 'rdb-key-save-delay', '100000')
    assert.equal(await s.c.bgsave(), 'Background saving started')
    let kids: number[] = []
    await waitFor(() => (kids = childrenOf(s.pid)).length === 1, 20_000, 'the BGSAVE child')
    const env = new Map(
      readFileSync(`/proc/${kids[0]}/environ`, 'utf8')
        .split('\0')
        .filter(Boolean)
        .map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)] as const),
    )
    await s.c.config('SET', 'rdb-key-save-delay', '0')
    // the node inherited this process's environment (the save child adds LC_ALL=C)
    for (const [k, v] of Object.entries(process.env)) {
      if (k !== 'LC_ALL') assert.equal(env.get(k), v, k)
    }
    assert.equal(env.get('LC_ALL'), 'C')
  })
})
