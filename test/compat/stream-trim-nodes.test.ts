// XTRIM / XADD trimming across many stream nodes, side by side with redis-server: whole nodes from
// the front go in one step now (a shift per node made XTRIM MAXLEN 0 of 10M entries take 14 s of
// CPU, bench/big-values.ts TYPES=trim), a partly trimmed node stays as the new first one, and
// LIMIT stops at a node boundary. Small nodes (stream-node-max-entries 10) so 2,000 entries make 200.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {redisSkip} from '../helpers/redis-server.js'
import {pairHooks, sameReplies, withBoth} from './harness.js'

const skip = redisSkip()
const p = pairHooks({redisArgs: ['--stream-node-max-entries', '10'], nodeOverrides: {'stream-node-max-entries': '10'}})

/** What a trim leaves: its length, edges, node count, an entry or two from each end. */
const look = (k: string) => [
  ['XLEN', k],
  ['XRANGE', k, '-', '+', 'COUNT', '3'],
  ['XREVRANGE', k, '+', '-', 'COUNT', '2'],
  ['XINFO', 'STREAM', k],
  ['OBJECT', 'ENCODING', k],
]

test('XTRIM and XADD trimming over 200 nodes: approximate, exact, MINID and LIMIT', {skip}, async () => {
  await withBoth(p, async (real, ours) => {
    const fill: string[][] = []
    for (let i = 1; i <= 2000; i++) fill.push(['XADD', 's', `${i}-0`, 'f', String(i)])
    for (const c of [real, ours]) {
      for (const argv of fill) c.send(argv)
      for (const argv of fill) assert.equal(await c.read(), `${argv[2]}`, argv.join(' '))
    }
    await sameReplies(real, ours, [
      ...look('s'),
      ['XTRIM', 's', 'MAXLEN', '~', '1905'], // whole nodes only: 1910 left
      ...look('s'),
      ['XTRIM', 's', 'MINID', '~', '505'], // nodes wholly below 505
      ...look('s'),
      ['XTRIM', 's', 'MAXLEN', '~', '100', 'LIMIT', '300'], // stops where the next node passes the limit
      ...look('s'),
      ['XTRIM', 's', 'MINID', '1234'], // exact: into a node
      ...look('s'),
      ['XDEL', 's', '1240-0', '1241-0', '1300-0'],
      ['XTRIM', 's', 'MAXLEN', '650'],
      ...look('s'),
      ['XADD', 's', 'MAXLEN', '~', '200', '2001-0', 'f', 'x'],
      ...look('s'),
      ['XADD', 's', 'MINID', '1900', '2002-0', 'f', 'y'],
      ...look('s'),
      ['XTRIM', 's', 'MAXLEN', '0'],
      ...look('s'),
      ['XADD', 's', '2003-0', 'f', 'z'],
      ...look('s'),
    ])
  })
})
