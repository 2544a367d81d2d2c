// While a node awaits its shutdown (the final RDB save, a killed BGSAVE), its cron keeps running;
// redis shuts down synchronously, so nothing new may start meanwhile: no save-point BGSAVE, no AOF
// rewrite (found by tests/cluster: a node killed with SIGTERM under load started two BGSAVEs and a
// failover election between the SIGTERM and its exit).
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Redis} from 'ioredis'
import {startNode, type RunningNode} from '../../src/node/index.js'
import {bgsaveInProgress} from '../../src/node/persistence/rdb-save.js'

describe('no background work starts while the node shuts down', () => {
  let node: RunningNode
  let dir: string

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shutdown-cron-'))
    node = await startNode({overrides: {port: '0', bind: '127.0.0.1', save: '1 1', dir}, silent: true})
  })

  after(async () => {
    node.server.shuttingDown = false
    await node.stop()
    rmSync(dir, {recursive: true, force: true})
  })

  const cron = () => {
    for (const h of node.server.cronHooks) h()
  }

  test('a save point that is due starts no BGSAVE during shutdown, and does once it is over', async () => {
    const c = new Redis(node.port, '127.0.0.1')
    await c.set('k', 'v')
    c.disconnect()
    assert.ok(node.server.dirty >= 1)
    node.server.lastSaveTime = node.server.clock.now() - 10_000
    node.server.shuttingDown = true
    try {
      cron()
      assert.equal(bgsaveInProgress(node.server), null, 'no BGSAVE while shutting down')
    } finally {
      node.server.shuttingDown = false
    }
    cron()
    const running = bgsaveInProgress(node.server)
    assert.notEqual(running, null, 'the same cron starts it when the node is not shutting down')
    assert.equal(await running, true)
  })
})
