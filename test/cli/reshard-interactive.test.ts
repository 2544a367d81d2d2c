// Interactive reshard through a real pseudo-terminal (tmux): the prompts appear and answering them moves slots.
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {RedisNodes, redisSkip, type TestNode} from '../helpers/redis-server.js'
import {BIN, ROOT} from '../helpers/cli.js'
import {makeCluster, viewOf} from '../integration/admin-move-helpers.js'

const haveTmux = spawnSync('tmux', ['-V'], {stdio: 'ignore'}).status === 0
const skip = redisSkip() || (haveTmux ? false : 'tmux not installed')

const session = `redis-ts-test-${process.pid}`
const tmux = (...args: string[]) => spawnSync('tmux', args, {encoding: 'utf8'})
const screen = () => tmux('capture-pane', '-p', '-t', session).stdout ?? ''

async function waitScreen(re: RegExp, ms = 20000): Promise<string> {
  const deadline = Date.now() + ms
  for (;;) {
    const s = screen()
    if (re.test(s)) return s
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${re} on screen:\n${s}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('interactive reshard in a terminal', {skip}, () => {
  const nodes = new RedisNodes()
  let cluster: TestNode[] = []
  before(async () => {
    cluster = await makeCluster(nodes, 3, {nodeTimeout: 1000})
  })
  after(async () => {
    tmux('kill-session', '-t', session)
    await nodes.stop()
  })

  test('answers to the prompts move the slots', async () => {
    const before = await viewOf(cluster[0])
    const target = before.nodes.filter((n) => n.role === 'master').sort((a, b) => a.slots[0][0] - b.slots[0][0])[0]
    const cmd = `cd ${ROOT} && env -u CI NO_COLOR=1 ${process.execPath} ${BIN} reshard ${cluster[0].address}; echo EXIT=$?; sleep 60`
    const r = tmux('new-session', '-d', '-s', session, '-x', '220', '-y', '50', cmd)
    assert.equal(r.status, 0, r.stderr)
    await waitScreen(/How many slots do you want to move/)
    tmux('send-keys', '-t', session, '100', 'Enter')
    await waitScreen(/What is the receiving node/)
    tmux('send-keys', '-t', session, 'Enter') // first master in the list: the owner of slot 0
    await waitScreen(/Source nodes/)
    tmux('send-keys', '-t', session, 'Space', 'Enter') // "all"
    await waitScreen(/proceed/i)
    tmux('send-keys', '-t', session, 'y', 'Enter')
    const final = await waitScreen(/EXIT=\d+/, 60000)
    assert.match(final, /EXIT=0/, final)
    const after = await viewOf(cluster[0])
    const t = after.nodes.find((n) => n.id === target.id)!
    assert.equal(t.slotCount, target.slotCount + 100)
  })
})
