// Registration tables of the data-type groups vs redis-server's COMMAND INFO: arity, key
// positions (the cluster slot check reads them) and the write/readonly/denyoom/fast/blocking flags.
import {test, before, after} from 'node:test'
import assert from 'node:assert/strict'
import {Redis} from 'ioredis'
import {RedisNodes, redisSkip} from '../helpers/redis-server.js'
import {GROUPS} from '../../src/node/commands/index.js'

const skip = redisSkip()
const real = new RedisNodes()
let r: Redis
before(async () => {
  if (skip) return
  const [n] = await real.start(1, {cluster: false})
  r = real.client(n)
})
after(async () => {
  r?.disconnect()
  await real.stop()
})

const FLAGS = ['write', 'readonly', 'denyoom', 'fast', 'blocking', 'noscript']

test('arity, key positions and flags match COMMAND INFO', {skip}, async () => {
  const problems: string[] = []
  for (const g of ['hashes', 'lists', 'listsBlocking', 'sets', 'zsets', 'bitmaps', 'hyperloglog', 'geo', 'sort']) {
    for (const spec of GROUPS[g]) {
      const [info] = (await r.call('COMMAND', 'INFO', spec.name)) as [string, number, string[], number, number, number][]
      const [, arity, flags, first, last, step] = info
      if (arity !== spec.arity) problems.push(`${spec.name} arity ${spec.arity} != ${arity}`)
      // numkeys commands: redis reports 0/0/0 (or the fixed destination) and uses key specs.
      if (!spec.keys && JSON.stringify([spec.firstKey, spec.lastKey, spec.step]) !== JSON.stringify([first, last, step]))
        problems.push(`${spec.name} keys ${[spec.firstKey, spec.lastKey, spec.step]} != ${[first, last, step]}`)
      const a = spec.flags.filter((f) => FLAGS.includes(f)).sort().join(',')
      const b = flags.filter((f) => FLAGS.includes(f)).sort().join(',')
      if (a !== b) problems.push(`${spec.name} flags ${a} != ${b}`)
    }
  }
  assert.deepEqual(problems, [])
})
