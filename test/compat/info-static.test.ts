// INFO's process-wide fields (computed once per process, as redis's uname() and
// zmalloc_get_memory_size()) and the RSS (sampled at most every 100 ms, as redis's cron sample)
// against redis-server on the same machine: the same os line and total_system_memory, empty
// sections framed alike.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {redisSkip} from '../helpers/redis-server.js'
import {pairHooks, RawClient} from './harness.js'

const skip = redisSkip()
const p = pairHooks()

async function info(port: number, section: string): Promise<string> {
  const c = await RawClient.connect(port)
  try {
    return String(await c.call(['INFO', section]))
  } finally {
    c.close()
  }
}

const field = (text: string, name: string) => new RegExp(`^${name}:(.*)\r$`, 'm').exec(text)?.[1]

test('INFO server os and INFO memory total_system_memory match redis-server', {skip}, async () => {
  for (let i = 0; i < 2; i++) {
    // twice: the second answer comes from the values kept by the first
    const [real, ours] = await Promise.all([info(p.redisPort, 'server'), info(p.ourPort, 'server')])
    assert.equal(field(ours, 'os'), field(real, 'os'))
    const [realMem, ourMem] = await Promise.all([info(p.redisPort, 'memory'), info(p.ourPort, 'memory')])
    assert.equal(field(ourMem, 'total_system_memory'), field(realMem, 'total_system_memory'))
    assert.equal(field(ourMem, 'total_system_memory_human'), field(realMem, 'total_system_memory_human'))
    assert.match(field(ourMem, 'used_memory_rss') ?? '', /^[1-9]\d*$/)
  }
})

test('empty INFO sections are framed as redis-server frames them', {skip}, async () => {
  for (const s of ['modules', 'keyspace']) assert.equal(await info(p.ourPort, s), await info(p.redisPort, s))
})
