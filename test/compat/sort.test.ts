// SORT / SORT_RO vs a real redis-server 7.0 (RESP2 and RESP3, byte for byte): numeric and ALPHA
// sorts of lists, sets and sorted sets, BY patterns (constant = no sort, hash fields), GET
// patterns, LIMIT edge cases, STORE, tie-breaking, and errors. Set inputs are intsets or sorted
// before comparison where redis's hash-table order would show through.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {redisSkip} from '../helpers/redis-server.js'
import {compareBoth, pairHooks} from './types-harness.js'

const skip = redisSkip()
const p = pairHooks()

const LISTS = `
RPUSH l 3 1 2 10 -5 2.5 1e2 0x10
SORT l
SORT l DESC
SORT l ALPHA
SORT l ALPHA DESC
SORT l LIMIT 1 3
SORT l LIMIT -5 3
SORT l LIMIT 2 -1
SORT l LIMIT 100 3
SORT l LIMIT 0 0
SORT l LIMIT 7 100
SORT l LIMIT 1
SORT l LIMIT a 1
SORT l BY nosort
SORT l BY nosort DESC
SORT l BY nosort LIMIT 2 3
SORT l BY nosort DESC LIMIT 2 3
SORT l BY nosort LIMIT 20 3
RPUSH bad 1 x 3
SORT bad
SORT bad ALPHA
RPUSH sp " 5" "" "7 " nan inf -inf
SORT sp LIMIT 0 2
SORT sp ALPHA
RPUSH ok " 5" "" inf -inf 0
SORT ok
RPUSH dups b a b a c
SORT dups ALPHA
SORT dups
MSET w_3 30 w_1 10 w_2 20 w_10 5 w_-5 50
SORT l BY w_*
SORT l BY w_* DESC
SORT l BY w_* GET # GET w_*
SORT l BY w_* GET w_* GET nopattern GET #
SORT l BY w_* ALPHA
SORT l BY w_* ALPHA LIMIT 0 3
HSET h_1 f 9 name one
HSET h_2 f 8 name two
HSET h_3 f 7
SORT l BY h_*->f GET h_*->name GET # GET h_*->
SORT l BY h_*->f DESC GET h_*->name
SORT l BY h_*-> GET h_*
SORT l BY w_*->f
SORT nokey
SORT nokey BY nosort
SORT nokey STORE dst
EXISTS dst
SORT l STORE dst
LRANGE dst 0 -1
SORT l BY w_* GET w_* GET # STORE dst
LRANGE dst 0 -1
SORT l LIMIT 0 0 STORE dst
EXISTS dst
SORT l STORE
SORT_RO l STORE dst
SORT_RO l BY w_* GET # DESC
SORT l FOO
SORT l BY
SORT l GET
SET str x
SORT str
HSET hh a 1
SORT hh
`

const SETS_ZSETS = `
SADD iset 5 3 9 -1 100
SORT iset
SORT iset DESC LIMIT 1 2
SORT iset ALPHA
SORT iset BY nosort STORE dst
LRANGE dst 0 -1
SADD s banana apple cherry
SORT s ALPHA
SORT s ALPHA DESC
SORT s
SORT s BY nosort STORE dst
LRANGE dst 0 -1
ZADD z 3 c 1 a 2 b 2 bb 10 j
SORT z ALPHA
SORT z BY nosort
SORT z BY nosort DESC
SORT z BY nosort LIMIT 1 2
SORT z BY nosort DESC LIMIT 1 2
SORT z BY nosort LIMIT 10 2
MSET wt_a 1 wt_b 3 wt_bb 2 wt_c 0 wt_j 10
SORT z BY wt_* ALPHA
SORT z BY wt_* DESC ALPHA
SORT z BY wt_*
RPUSH tie x y z w
SORT tie BY missing_* ALPHA
SORT tie BY missing_* ALPHA DESC
SORT tie BY missing_*
SORT tie BY missing_* DESC
SORT tie BY missing_* ALPHA LIMIT 1 2
SORT tie BY missing_* ALPHA DESC LIMIT 0 3
`

// Ties between equal BY values under LIMIT come out in redis's partial-quicksort order.
const TIES = (() => {
  const vals: string[] = []
  const weights: string[] = []
  for (let i = 0; i < 120; i++) {
    vals.push(`e${i}`)
    weights.push(`tw_e${i}`, String((i * 7) % 5))
  }
  const lines = [`RPUSH big ${vals.join(' ')}`, `MSET ${weights.join(' ')}`]
  for (const [s, c] of [[0, 10], [5, 30], [50, 7], [100, 50], [0, 119], [3, 1]]) {
    lines.push(`SORT big BY tw_* ALPHA LIMIT ${s} ${c}`, `SORT big BY tw_* DESC ALPHA LIMIT ${s} ${c}`, `SORT big BY tw_* LIMIT ${s} ${c}`)
  }
  lines.push('SORT big BY tw_* ALPHA', 'SORT big BY tw_* ALPHA DESC', 'SORT big BY tw_* ALPHA LIMIT 0 -1')
  return lines.join('\n')
})()

for (const [name, script] of Object.entries({LISTS, SETS_ZSETS, TIES})) {
  test(`${name} match redis-server`, {skip}, async () => {
    assert.equal(await compareBoth(p, script), '')
  })
}
