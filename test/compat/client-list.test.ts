// CLIENT LIST ID: every argument is parsed as a long long (0 and negative IDs are valid and match
// no client, only a non-integer is "Invalid client ID"), and the clients are listed in the order
// the IDs were given, once per mention — the same against redis-server 7.0 and the embedded node.
// The lines themselves differ between two servers (addresses, IDs), so their IDs are compared.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {redisSkip} from '../helpers/redis-server.js'
import {pairHooks, RawClient, sameReplies, withBoth, type Reply} from './harness.js'

const skip = redisSkip()
const p = pairHooks()

const ids = (r: Reply): string[] => String(r).split('\n').filter(Boolean).map((l) => /^id=(\d+) /.exec(l)?.[1] ?? l)

test('CLIENT LIST ID: zero, negative and unknown IDs list nothing; non-integers are refused', {skip}, async () => {
  await withBoth(p, (real, ours) =>
    sameReplies(real, ours, [
      ['CLIENT', 'LIST', 'ID', '0'],
      ['CLIENT', 'LIST', 'ID', '-5'],
      ['CLIENT', 'LIST', 'ID', '-9223372036854775808'],
      ['CLIENT', 'LIST', 'ID', '9223372036854775807'],
      ['CLIENT', 'LIST', 'ID', '0', '-1', '123456789'],
      ['CLIENT', 'LIST', 'ID', '9223372036854775808'],
      ['CLIENT', 'LIST', 'ID', '+1'],
      ['CLIENT', 'LIST', 'ID', '01'],
      ['CLIENT', 'LIST', 'ID', '0', 'x'],
      ['CLIENT', 'LIST', 'ID', '1.0'],
    ]),
  )
})

test('CLIENT LIST ID: clients in the order given, repeats included', {skip}, async () => {
  for (const port of [p.redisPort, p.ourPort]) {
    const [a, b] = await Promise.all([RawClient.connect(port), RawClient.connect(port)])
    try {
      const idA = String(await a.call(['CLIENT', 'ID']))
      const idB = String(await b.call(['CLIENT', 'ID']))
      assert.deepEqual(ids(await a.call(['CLIENT', 'LIST', 'ID', idB, idA, '0', idB])), [idB, idA, idB], `port ${port}`)
    } finally {
      a.close()
      b.close()
    }
  }
})
