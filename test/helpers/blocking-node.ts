// One in-process node for a file of blocking-command tests, with ioredis clients the file can
// open freely (all closed after the file) and a wait for a number of blocked clients.
import {before, after} from 'node:test'
import assert from 'node:assert/strict'
import {Redis} from 'ioredis'
import {startNode, type RunningNode} from '../../src/node/index.js'
import {blockedCount} from '../../src/node/blocking.js'

export interface BlockingFixture {
  node: () => RunningNode
  client: () => Redis
  waitBlocked: (n: number) => Promise<void>
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Registers before/after hooks in the calling file: start the node, then stop it and close clients. */
export function blockingNodeFixture(): BlockingFixture {
  let node: RunningNode | undefined
  const clients: Redis[] = []
  before(async () => {
    node = await startNode({overrides: {port: '0', bind: '127.0.0.1', save: ''}, silent: true})
  })
  after(async () => {
    for (const c of clients) c.disconnect()
    await node?.stop()
  })
  const running = (): RunningNode => {
    if (!node) throw new Error('node not started')
    return node
  }
  return {
    node: running,
    client: () => {
      const c = new Redis({host: '127.0.0.1', port: running().port, maxRetriesPerRequest: 0, lazyConnect: false})
      clients.push(c)
      return c
    },
    waitBlocked: async (n) => {
      for (let i = 0; i < 400 && blockedCount(running().server) !== n; i++) await sleep(5)
      assert.equal(blockedCount(running().server), n)
    },
  }
}
