// redis adjustOpenFilesLimit as fitMaxclients applies it (src/node/process-configs.ts), with the
// setrlimit call (prlimit on our pid) and /proc/sys/fs/nr_open replaced: the branches an
// unprivileged test machine cannot reach — the raise that succeeds, an OS error other than EPERM,
// and a maxclients beyond the kernel's nr_open (test/compat/maxclients-ulimit.test.ts covers the
// refused raise against redis-server).
import {after, test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {NodeConfig} from '../../src/node/config.js'
import {NodeServer} from '../../src/node/server.js'
import {fitMaxclients} from '../../src/node/process-configs.js'

const dir = mkdtempSync(path.join(os.tmpdir(), 'redis-ts-nropen-'))
after(() => rmSync(dir, {recursive: true, force: true}))
const nrOpen = path.join(dir, 'nr_open')
writeFileSync(nrOpen, '1048576\n')

function logged(): {server: NodeServer; lines: string[]} {
  const server = new NodeServer({config: new NodeConfig()})
  const lines: string[] = []
  server.log.sink = (l) => lines.push(l.replace(/^\d+:[A-Z] .+?\d\d\.\d{3} /, ''))
  return {server, lines}
}

test('a raise that succeeds keeps maxclients and says so', () => {
  const {server, lines} = logged()
  const tried: number[] = []
  assert.equal(fitMaxclients(server, 10000, 1024, true, (to) => (tried.push(to), null), nrOpen), 10000)
  assert.deepEqual(tried, [10032])
  assert.deepEqual(lines, ['* Increased maximum number of open files to 10032 (it was originally set to 1024).'])
})

test('a refused raise reduces maxclients with the OS error in the warning', () => {
  const {server, lines} = logged()
  assert.equal(fitMaxclients(server, 10000, 1024, true, () => 'Invalid argument', nrOpen), 992)
  assert.deepEqual(lines, [
    '# You requested maxclients of 10000 requiring at least 10032 max file descriptors.',
    "# Server can't set maximum open files to 10032 because of OS error: Invalid argument.",
    "# Current maximum open files is 1024. maxclients has been reduced to 992 to compensate for low ulimit. If you need higher maxclients increase 'ulimit -n'.",
  ])
})

test('beyond nr_open the highest value of redis\'s 16-step descent that the kernel allows is tried', () => {
  const {server, lines} = logged()
  const tried: number[] = []
  // 2,000,032 wanted: redis steps down by 16 and first succeeds at 1,048,576 + (2,000,032 - 1,048,576) mod 16 below
  const got = fitMaxclients(server, 2_000_000, 4096, false, (to) => (tried.push(to), null), nrOpen)
  assert.equal(tried.length, 1)
  assert.ok(tried[0] <= 1_048_576 && tried[0] > 1_048_576 - 16 && (2_000_032 - tried[0]) % 16 === 0, `tried ${tried[0]}`)
  assert.equal(got, tried[0] - 32)
  assert.match(lines[1], /because of OS error: Operation not permitted\.$/)
})

test('a limit of 32 or less cannot start', () => {
  const {server} = logged()
  assert.throws(() => fitMaxclients(server, 10000, 30, true, () => 'Operation not permitted', nrOpen), /Your current 'ulimit -n' of 30 is not enough for the server to start\. Please increase your open file limit to at least 10032\. Exiting\./)
})
