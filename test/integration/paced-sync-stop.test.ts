// A node stopped while its rdb-key-save-delay paced a diskless full sync keeps no pacing timer: the
// whole owed delay (here 50 keys at 1 s) was one timer that outlived the stopped node and held the
// process open (the replication-buffer compat file sat five minutes after its last test).
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {client, embedded, info, waitFor} from '../helpers/repl.js'

const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length

test('stopping a master during a paced diskless sync clears its pacing wait', {timeout: 120_000}, async () => {
  const baseline = timers()
  const m = await embedded()
  const r = await embedded()
  const mc = client(m.port)
  const rc = client(r.port)
  try {
    await mc.config('SET', 'rdb-key-save-delay', '1000000')
    for (let i = 0; i < 50; i++) await mc.set(`k:${i}`, 'v')
    await rc.replicaof('127.0.0.1', String(m.port))
    await waitFor(async () => (await info(mc, 'persistence')).rdb_bgsave_in_progress === '1', 30_000, 'paced sync running')
  } finally {
    mc.disconnect()
    rc.disconnect()
    await r.stop()
    await m.stop()
  }
  await waitFor(() => timers() <= baseline, 20_000, `timers back to ${baseline} (now ${timers()})`).catch(() => undefined)
  assert.ok(timers() <= baseline, `${timers() - baseline} timer(s) left behind by the stopped nodes`)
})
