// An intset's integer width follows its history, as in redis (intset.c): adding a wider member
// upgrades it (2 -> 4 -> 8 bytes) and removing that member does not narrow it again; a RESTOREd
// intset keeps its payload's width, COPY keeps the source's, SINTERSTORE builds its result member by
// member. DUMP payloads and MEMORY USAGE show the width. Before, the node chose the width from the
// current members (a narrower DUMP than redis-server's after SREM). Side by side, byte for byte.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {redisSkip} from '../helpers/redis-server.js'
import {pairHooks, RawClient} from './harness.js'

const skip = redisSkip()
const p = pairHooks()

const STEPS: string[][] = [
  ['SADD', 's4', '1', '100000'], ['SREM', 's4', '100000'],
  ['SADD', 's8', '1', '2', '5000000000'], ['SREM', 's8', '5000000000'], ['SADD', 's8', '70000'],
  ['SADD', 'narrow', '1', '2'],
  ['COPY', 's8', 'copy8'],
  ['SINTERSTORE', 'inter', 's4', 's8'],
  ['SADD', 'big', '1', '100000'], ['SREM', 'big', '100000'], ['SADD', 'big', 'x'], ['SREM', 'big', 'x'],
]

async function run(port: number, restoreFrom?: Map<string, string>): Promise<string[]> {
  const c = await RawClient.connect(port)
  try {
    await c.call(['FLUSHALL'])
    const out: string[] = []
    for (const argv of STEPS) out.push(`${argv.join(' ')} -> ${JSON.stringify(await c.call(argv))}`)
    for (const k of ['s4', 's8', 'narrow', 'copy8', 'inter', 'big']) {
      out.push(`${k}: ${JSON.stringify(await c.call(['OBJECT', 'ENCODING', k]))} ${JSON.stringify(await c.call(['DUMP', k]))} ${JSON.stringify(await c.call(['MEMORY', 'USAGE', k]))}`)
    }
    // the other server's payloads, restored here and dumped again
    for (const [k, payload] of restoreFrom ?? []) {
      await c.call(['RESTORE', `r:${k}`, '0', payload])
      out.push(`restored ${k}: ${JSON.stringify(await c.call(['DUMP', `r:${k}`]))} ${JSON.stringify(await c.call(['MEMORY', 'USAGE', `r:${k}`]))}`)
    }
    return out
  } finally {
    c.close()
  }
}

test('intset widths follow their history (SREM, RESTORE, COPY, SINTERSTORE) as in redis-server', {skip}, async () => {
  // payloads from redis-server: a wide intset of small members, restored on both
  const c = await RawClient.connect(p.redisPort)
  await c.call(['FLUSHALL'])
  await c.call(['SADD', 'w', '1', '2', '5000000000'])
  await c.call(['SREM', 'w', '5000000000'])
  const payloads = new Map([['w', String(await c.call(['DUMP', 'w']))]])
  c.close()
  assert.deepEqual(await run(p.ourPort, payloads), await run(p.redisPort, payloads))
})
