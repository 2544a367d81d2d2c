// DEBUG ERROR <string> (redis 7.0 debug.c) answers "-<string>" as raw protocol, CR and LF turned to
// spaces: no ERR prefix, and as it bypasses addReplyError it counts in neither errorstats nor a
// failed call. Clients fake server errors with it: redis-py's test_oom_error, test_read_only_error
// and test_busy_loading_* send DEBUG ERROR "LOADING fake message" and expect BusyLoadingError, also
// from inside MULTI. The node had no ERROR subcommand. DEBUG HELP is redis's list, in its order and
// words. Side by side, with enable-debug-command yes on both.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {redisSkip} from '../helpers/redis-server.js'
import {pairHooks, RawClient} from './harness.js'

const skip = redisSkip()
const p = pairHooks({redisArgs: ['--enable-debug-command', 'yes'], nodeOverrides: {'enable-debug-command': 'yes'}})

async function session(port: number): Promise<string[]> {
  const out: string[] = []
  const c = await RawClient.connect(port)
  try {
    await c.call(['CONFIG', 'RESETSTAT'])
    for (const argv of [
      ['DEBUG', 'ERROR', 'LOADING fake message'],
      ['DEBUG', 'error', 'READONLY You can\'t write against a read only replica.'],
      ['DEBUG', 'ERROR', 'OOM command not allowed when used memory > \'maxmemory\'.'],
      ['DEBUG', 'ERROR', 'two\r\nlines\nand\r'],
      ['DEBUG', 'ERROR', ''],
      ['DEBUG', 'ERROR', '-already dashed'],
      ['DEBUG', 'ERROR'],
      ['DEBUG', 'ERROR', 'a', 'b'],
      ['MULTI'], ['SET', 'k', 'v'], ['DEBUG', 'ERROR', 'LOADING fake message'], ['EXEC'],
      
    ])
      out.push(`${argv.join(' ')} -> ${JSON.stringify(await c.call(argv))}`)
    const info = String(await c.call(['INFO', 'commandstats']))
    out.push(...info.split('\r\n').filter((l) => l.startsWith('cmdstat_debug')).map((l) => l.replace(/usec=\d+,usec_per_call=[\d.]+/, 'usec')))
    const errs = String(await c.call(['INFO', 'errorstats']))
    out.push(...errs.split('\r\n').filter((l) => l.startsWith('errorstat_')).sort())
    const stats = String(await c.call(['INFO', 'stats']))
    out.push(...stats.split('\r\n').filter((l) => /^total_error_replies:/.test(l)))
    return out
  } finally {
    c.close()
  }
}

test('DEBUG ERROR answers the raw error line, uncounted, as redis-server', {skip, timeout: 30_000}, async () => {
  assert.deepEqual(await session(p.ourPort), await session(p.redisPort))
})

test('DEBUG HELP is redis-server\'s text', {skip, timeout: 30_000}, async () => {
  const help = async (port: number) => {
    const c = await RawClient.connect(port)
    try {
      return await c.call(['DEBUG', 'HELP'])
    } finally {
      c.close()
    }
  }
  const real = (await help(p.redisPort)) as string[]
  // a redis-server built with jemalloc (the reference) adds its MALLCTL lines; the node answers as
  // a build without jemalloc (as MEMORY MALLOC-STATS, INFO mem_allocator)
  const i = real.indexOf('+MALLCTL <key> [<val>]')
  if (i >= 0) real.splice(i, 4)
  assert.deepEqual(await help(p.ourPort), real)
})
