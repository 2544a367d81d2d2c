// The interactive reshard flow with injected prompt functions (no terminal), and the progress renderer.
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {PassThrough} from 'node:stream'
import {fixture, viewFrom} from '../helpers/view.js'
import {askReshard, type Prompter} from '../../src/ui/reshard-prompts.js'
import {createProgress} from '../../src/ui/progress.js'
import {planReshard} from '../../src/admin/plan/reshard.js'

const view = viewFrom(fixture('healthy-3x1.txt'))
const A = 'e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca'
const C = '292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f'

function scripted(answers: {input?: string; select?: string; checkbox?: string[]}, asked: string[]): Prompter {
  return {
    input: async (m, validate) => {
      asked.push(m)
      assert.equal(validate?.('0'), 'Enter a number from 1 to 16384')
      assert.equal(validate?.('16385'), 'Enter a number from 1 to 16384')
      assert.equal(validate?.(answers.input!), true)
      return answers.input!
    },
    select: async <T,>(m: string, choices: {name: string; value: T}[]) => {
      asked.push(m)
      assert.equal(choices.length, 3) // masters only
      assert.match(choices[0].name, /127\.0\.0\.1:\d+ {2}[0-9a-f]{40} {2}\d+ slots/)
      return answers.select as T
    },
    checkbox: async <T,>(m: string, choices: {name: string; value: T}[]) => {
      asked.push(m)
      assert.equal(choices[0].value, 'all')
      assert.ok(!choices.some((c) => c.value === answers.select)) // the receiver is not offered as a source
      return answers.checkbox as T[]
    },
  }
}

describe('interactive reshard questions', () => {
  test('asks everything when no flag is given; the answers make a valid plan', async () => {
    const asked: string[] = []
    const a = await askReshard(view, {}, scripted({input: '100', select: A, checkbox: [C]}, asked))
    assert.deepEqual(asked, ['How many slots do you want to move (from 1 to 16384)?', 'What is the receiving node?', 'Source nodes (space to select, enter to confirm):'])
    assert.deepEqual(a, {slots: 100, to: A, from: [C]})
    const p = planReshard(view, {target: a.to, from: a.from, slots: a.slots})
    assert.equal(p.moves.length, 100)
  })
  test('"all" among the picked sources means all; given flags are not asked', async () => {
    const asked: string[] = []
    const a = await askReshard(view, {slots: 5, to: A}, scripted({checkbox: ['all', C], select: A}, asked))
    assert.deepEqual(asked, ['Source nodes (space to select, enter to confirm):'])
    assert.equal(a.from, 'all')
  })
})

describe('progress renderer', () => {
  const collect = (s: PassThrough) => {
    let text = ''
    s.on('data', (d) => (text += d))
    return () => text
  }
  test('plain mode prints a line per interval and a final line; json prints nothing', async () => {
    const s = new PassThrough()
    const text = collect(s)
    const p = createProgress({json: false, stream: s as unknown as NodeJS.WriteStream, tty: false, intervalMs: 0, label: 'Resharding'})
    p.onEvent({type: 'start', slots: 2, keys: 10})
    p.onEvent({type: 'keys-moved', count: 10})
    p.onEvent({type: 'slot-done'})
    p.stop()
    assert.match(text(), /Resharding 1\/2 slots \(\d+k? slots\/s\), 10\/10 keys, \d+k? keys\/s, ETA/)
    const j = new PassThrough()
    const jt = collect(j)
    const q = createProgress({json: true, stream: j as unknown as NodeJS.WriteStream, tty: false, intervalMs: 0})
    q.onEvent({type: 'start', slots: 2, keys: 10})
    q.onEvent({type: 'slot-done'})
    q.stop()
    assert.equal(jt(), '')
  })
})

describe('progress renderer on a TTY', () => {
  test('stop() clears the bar line and prints one summary line, so nothing tangles with the final message', () => {
    const s = new PassThrough()
    let text = ''
    s.on('data', (d) => (text += d))
    const stream = Object.assign(s, {isTTY: true, columns: 120, cursorTo: () => true, clearLine: () => true, moveCursor: () => true}) as unknown as NodeJS.WriteStream
    const p = createProgress({json: false, stream, tty: true, label: 'Resharding'})
    p.onEvent({type: 'start', slots: 2, keys: 10})
    p.onEvent({type: 'slot-done'})
    p.note('Interrupted: finishing the batch in flight')
    p.stop()
    const tail = text.slice(text.lastIndexOf('Interrupted'))
    assert.match(tail, /\r\x1b\[2KResharding 1\/2 slots \(\d+k? slots\/s\), 0\/10 keys, .*\n$/)
  })
})
