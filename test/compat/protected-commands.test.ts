// DEBUG and MODULE LOAD/LOADEX/UNLOAD are redis 7.0 "protected" commands: with
// enable-debug-command / enable-module-command at its default `no`, processCommand rejects them
// right after the arity check, before authentication, ACLs and MULTI queueing. So inside MULTI the
// transaction is flagged and EXEC answers EXECABORT (redis-py's test_busy_loading_from_pipeline
// reads that), an unauthenticated client gets the "not allowed" error rather than NOAUTH, and an
// ACL user without the command logs no ACL denial. The node queued DEBUG and answered the error
// from EXEC's array. Side by side, every reply and the rejection counters.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {redisSkip} from '../helpers/redis-server.js'
import {pairHooks, RawClient, type Reply} from './harness.js'

const skip = redisSkip()
const p = pairHooks()

async function session(port: number): Promise<string[]> {
  const out: string[] = []
  const c = await RawClient.connect(port)
  const run = async (cl: RawClient, argv: string[]) => out.push(`${argv.join(' ')} -> ${JSON.stringify(await cl.call(argv))}`)
  try {
    await c.call(['CONFIG', 'RESETSTAT'])
    for (const argv of [
      ['MULTI'], ['DEBUG', 'ERROR', 'LOADING fake message'], ['EXEC'],
      ['MULTI'], ['SET', 'k', 'v'], ['DEBUG', 'SLEEP', '0'], ['EXEC'], ['EXISTS', 'k'],
      ['MULTI'], ['MODULE', 'LOAD', '/nonexistent.so'], ['MODULE', 'LIST'], ['EXEC'],
      ['MULTI'], ['MODULE', 'UNLOAD', 'x'], ['DISCARD'],
      ['MULTI'], ['DEBUG'], ['EXEC'],
      ['DEBUG', 'HELP'], ['MODULE', 'LOADEX', '/nonexistent.so'],
      ['ACL', 'SETUSER', 'limited', 'on', '>pw', '+get', '~*'],
    ])
      await run(c, argv)
    const limited = await RawClient.connect(port)
    await run(limited, ['AUTH', 'limited', 'pw'])
    await run(limited, ['DEBUG', 'SLEEP', '0'])
    await run(limited, ['MODULE', 'UNLOAD', 'x'])
    await run(limited, ['MODULE', 'LIST'])
    limited.close()
    // the entries without age-seconds and client-info (ids, ports, buffer sizes)
    const log = (await c.call(['ACL', 'LOG'])) as Reply[][]
    out.push(`ACL LOG -> ${JSON.stringify(log.map((e) => e.slice(0, 10)))}`)
    await run(c, ['CONFIG', 'SET', 'requirepass', 'secret'])
    const anon = await RawClient.connect(port)
    await run(anon, ['DEBUG', 'SLEEP', '0'])
    await run(anon, ['MODULE', 'LOAD', '/nonexistent.so'])
    await run(anon, ['MODULE', 'LIST'])
    anon.close()
    await run(c, ['CONFIG', 'SET', 'requirepass', ''])
    const info = String(await c.call(['INFO', 'commandstats']))
    // (both INFO sections list a dict: another order in redis)
    out.push(...info.split('\r\n').filter((l) => /^cmdstat_(debug|module)/.test(l)).map((l) => l.replace(/usec=\d+,usec_per_call=[\d.]+/, 'usec')).sort())
    const errs = String(await c.call(['INFO', 'errorstats']))
    out.push(...errs.split('\r\n').filter((l) => l.startsWith('errorstat_')).sort())
    const stats = String(await c.call(['INFO', 'stats']))
    out.push(...stats.split('\r\n').filter((l) => /^(rejected_calls|total_error_replies):/.test(l)))
    await c.call(['ACL', 'DELUSER', 'limited'])
    await c.call(['ACL', 'LOG', 'RESET'])
    return out
  } finally {
    c.close()
  }
}

test('DEBUG / MODULE LOAD refused by enable-*-command before auth, ACLs and MULTI queueing, as redis-server', {skip, timeout: 30_000}, async () => {
  const ours = await session(p.ourPort)
  const real = await session(p.redisPort)
  assert.deepEqual(ours, real)
  assert.ok(real.some((l) => l.startsWith('EXEC -> "-EXECABORT')), 'redis-server aborts the transaction')
})
