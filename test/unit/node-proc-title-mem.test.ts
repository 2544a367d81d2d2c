// The process title written over the argv and environment strings (src/node/proc-title-mem.ts, the
// layout of redis 7.0.15 setproctitle.c): in a child Node.js process, /proc/self/cmdline shows the
// whole title (up to 255 bytes) although it is longer than the original command line, setproctitle's
// '.' / ' ' marks at argv[0]'s end, and the environment still works afterwards: process.env, the
// environment a spawned child gets, TZ.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {environMovable, parseStatAreas} from '../../src/node/proc-title-mem.js'

const linux = process.platform === 'linux'

test('/proc/self/stat fields 48-51 give the argv and environment areas', () => {
  const tail = Array.from({length: 49}, (_, i) => String(i + 3)) // fields 3..51
  tail[48 - 3] = '1000'
  tail[49 - 3] = '1100'
  tail[50 - 3] = '1100'
  tail[51 - 3] = '1400'
  assert.deepEqual(parseStatAreas(`123 (a) b) ${tail.join(' ')} 0\n`), {argStart: 1000, argEnd: 1100, envStart: 1100, envEnd: 1400})
  assert.equal(parseStatAreas('123 (short) S 1 2 3'), null) // an old kernel without the fields
})

test('the environment moves only when every entry is a NAME=value process.env can set again', () => {
  const env = (...entries: string[]) => Buffer.concat(entries.map((e) => Buffer.concat([Buffer.from(e, 'latin1'), Buffer.of(0)])))
  assert.equal(environMovable(env('A=1', 'B=x=y', 'C=')), true)
  assert.equal(environMovable(env('A=1', 'NOEQUALS')), false)
  assert.equal(environMovable(env('=value')), false)
  assert.equal(environMovable(env('A=1', 'A=2')), false) // setenv would move only the first
  assert.equal(environMovable(env('A=\xff')), false) // not UTF-8: process.env would change the bytes
})

test('a long title shows whole in /proc/self/cmdline; the environment is intact', {skip: !linux && 'Linux /proc only'}, () => {
  const dir = mkdtempSync(join(tmpdir(), 'redis-ts-title-'))
  try {
    const script = join(dir, 'child.ts')
    const mod = resolve('src/node/proc-title-mem.ts')
    writeFileSync(
      script,
      `import {writeProcTitle} from ${JSON.stringify(mod)}
import {readFileSync} from 'node:fs'
import {execFileSync} from 'node:child_process'
const env0 = {...process.env}
const argvArea = readFileSync('/proc/self/cmdline', 'latin1')
const steps = []
for (const t of JSON.parse(readFileSync(0, 'utf8'))) {
  const ok = writeProcTitle(Buffer.from(t, 'latin1'))
  steps.push({ok, cmdline: readFileSync('/proc/self/cmdline', 'latin1')})
}
process.env.ADDED = 'new'
const child = execFileSync('env', ['-0'], {encoding: 'latin1'}).split('\\0').filter(Boolean).sort()
process.stdout.write(JSON.stringify({argvArea, steps, env0, env: {...process.env}, child, date: new Date(0).toString()}))
`,
    )
    const argv0 = process.execPath
    const long = 'TEST ' + Array.from({length: 40}, (_, i) => `word${i}`).join(' ') // > 255 bytes
    const titles = [long, 'x', argv0.replace(/./g, 'y'), 'short again']
    const env = {PATH: process.env.PATH ?? '/usr/bin:/bin', TZ: 'Asia/Tokyo', RT_PAD: 'p'.repeat(400), RT_UTF8: 'é€'}
    const out = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', script], {env, input: JSON.stringify(titles), encoding: 'utf8'}))
    const area = (out.argvArea as string).length
    assert.ok(area < 255, `argv area ${area} bytes: the title must need the environment's memory`)
    const [a, b, c, d] = out.steps as {ok: boolean; cmdline: string}[]
    for (const s of out.steps) assert.equal(s.ok, true)
    // longer than the argv area: read on into the environment's, up to the first NUL (255 bytes max)
    assert.equal(a.cmdline, long.slice(0, 255) + '\0')
    // shorter than argv[0]: the argv area whole, NUL-padded, with setproctitle's '.' at argv[0]'s NUL
    const padded = (text: string, mark: string) => {
      const b = Buffer.alloc(area)
      b.write(text, 0, 'latin1')
      if (text.length < argv0.length || mark === ' ') b.write(mark, argv0.length, 'latin1')
      return b.toString('latin1')
    }
    assert.equal(b.cmdline, padded('x', '.'))
    // exactly argv[0]'s length: a space there, then NULs
    assert.equal(c.cmdline, padded(argv0.replace(/./g, 'y'), ' '))
    // a later, shorter title than the one before: the first 256 bytes cleared again
    assert.equal(d.cmdline, 'short again'.length < argv0.length ? padded('short again', '.') : padded('short again', ''))
    // the environment: process.env, a child's environment and the time zone, as before
    assert.deepEqual(out.env, {...out.env0, ADDED: 'new'})
    assert.equal(out.env.RT_PAD, env.RT_PAD)
    assert.equal(out.env.RT_UTF8, env.RT_UTF8)
    const childEnv = Object.entries(out.env as Record<string, string>).map(([k, v]) => Buffer.from(`${k}=${v}`, 'utf8').toString('latin1'))
    assert.deepEqual(out.child, childEnv.sort())
    assert.match(out.date, /GMT\+0900/)
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
})
