// Who is a "local" client (redis islocalClient): a unix-socket client, or a TCP peer whose address
// is exactly 127.0.0.1 or ::1. Another loopback address (127.0.0.2: any 127.x.y.z reaches the host on
// Linux) is not local, for `enable-debug-command local`, `enable-protected-configs local` and for
// protected mode (no password: such a client gets -DENIED and is disconnected). The node took any
// 127.* address for local. Side by side, from 127.0.0.1 and from 127.0.0.2.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {redisSkip} from '../helpers/redis-server.js'
import {pairHooks, RawClient, type Reply} from './harness.js'

const skip = redisSkip()
const p = pairHooks({
  redisArgs: ['--enable-debug-command', 'local', '--enable-protected-configs', 'local', '--protected-mode', 'no'],
  nodeOverrides: {'enable-debug-command': 'local', 'enable-protected-configs': 'local', 'protected-mode': 'no'},
})

async function from(port: number, localAddress: string, cmds: string[][]): Promise<string[]> {
  const c = await RawClient.connect(port, localAddress)
  const out: string[] = []
  try {
    for (const argv of cmds) {
      let r: Reply | string
      try {
        r = await c.call(argv)
      } catch (e) {
        r = `(${(e as Error).message})`
      }
      out.push(`${argv.join(' ')} -> ${JSON.stringify(r)}`)
    }
  } finally {
    c.close()
  }
  return out
}

const session = (port: number, addr: string) =>
  from(port, addr, [
    ['DEBUG', 'SLEEP', '0'],
    ['CONFIG', 'SET', 'dir', '.'],
    ['CONFIG', 'SET', 'protected-mode', 'yes'],
    ['PING'],
  ])

test('only 127.0.0.1 and ::1 are local for the protected settings and protected mode', {skip}, async () => {
  for (const port of [p.redisPort, p.ourPort]) {
    // protected-mode yes comes from a local client; a 127.0.0.2 client then gets DENIED
    await from(port, '127.0.0.1', [['CONFIG', 'SET', 'protected-mode', 'no']])
  }
  const real2 = await session(p.redisPort, '127.0.0.2')
  const ours2 = await session(p.ourPort, '127.0.0.2')
  assert.deepEqual(ours2, real2)
  assert.match(real2[0], /DEBUG command not allowed/) // the test means what it says
  const real1 = await session(p.redisPort, '127.0.0.1')
  const ours1 = await session(p.ourPort, '127.0.0.1')
  assert.deepEqual(ours1, real1)
  assert.equal(real1[0], 'DEBUG SLEEP 0 -> "+OK"')
  // protected mode is on now (set from 127.0.0.1 above): a 127.0.0.2 client is refused
  const deny = async (port: number) => from(port, '127.0.0.2', [['PING'], ['PING']])
  const [realDenied, oursDenied] = [await deny(p.redisPort), await deny(p.ourPort)]
  assert.deepEqual(oursDenied, realDenied)
  assert.match(realDenied[0], /DENIED Redis is running in protected mode/)
  for (const port of [p.redisPort, p.ourPort]) await from(port, '127.0.0.1', [['CONFIG', 'SET', 'protected-mode', 'no']])
})
