// RESTORE of corrupt packed payloads, side by side with redis-server: the reply ("Bad data
// format"), the verbose log line redis's rdbReportError writes in a RESTORE ("... -> Hash ziplist
// integrity check failed."), DEBUG SET-SKIP-CHECKSUM-VALIDATION (a payload with a wrong CRC is
// decoded, not refused by its footer), and DEBUG LOG.
import {after, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {client, embedded, waitFor} from '../helpers/repl.js'
import {RedisNodes, redisSkip} from '../helpers/redis-server.js'

// redis tests/integration/corrupt-dump.tcl "hash with valid zip list header, invalid entry len"
const HASH_ZIPLIST = Buffer.from('0D1B1B00000016000000040000026100040262000414630004026400FF0900D910549215F55F52', 'hex')
// the same body with its CRC zeroed
const BAD_CRC = Buffer.concat([HASH_ZIPLIST.subarray(0, HASH_ZIPLIST.length - 8), Buffer.alloc(8)])

async function scenario(port: number, log: () => string): Promise<void> {
  const c = client(port)
  try {
    await c.config('SET', 'loglevel', 'verbose')
    await assert.rejects(c.call('RESTORE', 'k', '0', HASH_ZIPLIST), /^ReplyError: ERR Bad data format$/)
    await waitFor(() => /# |- Internal error in RDB reading offset 0, function at rdb\.c:\d+ -> Hash ziplist integrity check failed\./.test(log()), 60_000, 'integrity report logged')
    await assert.rejects(c.call('RESTORE', 'k', '0', BAD_CRC), /DUMP payload version or checksum are wrong/)
    assert.equal(await c.call('DEBUG', 'SET-SKIP-CHECKSUM-VALIDATION', '1'), 'OK')
    await assert.rejects(c.call('RESTORE', 'k', '0', BAD_CRC), /^ReplyError: ERR Bad data format$/)
    assert.equal(await c.exists('k'), 0)
    assert.equal(await c.call('DEBUG', 'LOG', 'hello from the test'), 'OK')
    await waitFor(() => log().includes('DEBUG LOG: hello from the test'), 60_000, 'DEBUG LOG written')
  } finally {
    c.disconnect()
  }
}

describe('RESTORE of corrupt payloads: reply and log (embedded node vs redis-server)', () => {
  const real = new RedisNodes()
  after(() => real.stop())

  test('embedded', {timeout: 120_000}, async () => {
    const lines: string[] = []
    const n = await embedded({'enable-debug-command': 'yes'}, lines)
    try {
      await scenario(n.port, () => lines.join('\n'))
    } finally {
      await n.stop()
    }
  })
  test('redis-server', {timeout: 120_000, skip: redisSkip()}, async () => {
    const file = join(real.root, `restore-${Date.now()}.log`)
    const [node] = await real.start(1, {cluster: false, extra: ['--enable-debug-command', 'yes', '--logfile', file]})
    await scenario(node.port, () => readFileSync(file, 'utf8'))
  })
})
