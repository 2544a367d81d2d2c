// Pure pieces behind the CLI's rough-edge fixes: one-line oclif parse errors, typo suggestions,
// open slots as ranges (once), --env lines, the test port window, state directory and node ids.
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describeParseError, suggestCommand} from '../../src/cli/errors.js'
import {runChecks} from '../../src/admin/check/checks.js'
import {renderCheck} from '../../src/ui/format/view.js'
import {Output} from '../../src/ui/output.js'
import {envLines} from '../../src/ui/local.js'
import {randomPortRange} from '../../src/local/ports.js'
import {defaultBaseDir, nodeAlive, nodeIdFromConf} from '../../src/local/state.js'
import {fixture, viewFrom} from '../helpers/view.js'

const create = {id: 'create', args: {nodes: {required: false}}}
const check = {id: 'check', args: {node: {required: true, description: 'any node of the cluster (host:port)'}}}

describe('CLI rough edges', () => {
  test('oclif flag errors say which flag, which value and why', () => {
    const m = (text: string) => describeParseError(text, create, 'redis-ts')
    assert.equal(m('Parsing --masters \n\tExpected an integer greater than or equal to 3 but received: 2\nSee more help with --help').message, '--masters 2: must be at least 3 (a cluster needs at least 3 masters)')
    assert.equal(m('Parsing --replicas \n\tExpected an integer greater than or equal to 0 but received: -1\nSee more help with --help').message, '--replicas -1: must be a non-negative integer')
    assert.equal(m('Parsing --masters \n\tExpected an integer but received: abc\nSee more help with --help').message, '--masters abc: not a number (expected an integer)')
    assert.match(m('Parsing --masters \n\tExpected an integer but received: abc').hint ?? '', /^Usage: redis-ts create \[NODES\] \[FLAGS\]/)
  })

  test('a missing argument is named, with the usage', () => {
    const r = describeParseError('Missing 1 required arg:\nnode  any node of the cluster (host:port)\nSee more help with --help', check, 'redis-ts')
    assert.equal(r.message, 'Missing required argument: NODE (any node of the cluster (host:port))')
    assert.equal(r.hint, 'Usage: redis-ts check NODE [FLAGS] (see --help)')
  })

  test('typo suggestions keep the argument out of the command name', () => {
    const ids = ['check', 'create', 'info', 'local:stop', 'local:status', 'reshard']
    assert.deepEqual(suggestCommand(['chek', '127.0.0.1:7000'], ids), {id: 'check', typed: 'chek', rest: ['127.0.0.1:7000']})
    assert.equal(suggestCommand(['local', 'stpo'], ids)?.id, 'local:stop')
    assert.equal(suggestCommand(['zzzzzz'], ids), undefined)
  })

  test('open slots: ranges in the findings, listed once in the report', () => {
    const text = fixture('open-slots.txt').replace(/\[1002->-/, '[1002->-').replace(/ \[1002->-(\w+)\]/, (all, id) => ` [1002->-${id}] [1003->-${id}] [1004->-${id}]`)
    const view = viewFrom(text)
    const report = runChecks(view)
    const lines: string[] = []
    const out = new Output({json: false, color: false, stream: {write: (s: string) => lines.push(s.trimEnd())} as unknown as NodeJS.WritableStream})
    renderCheck(out, view, report, {multipleOwners: false})
    const open = lines.filter((l) => /\b1002\b|1002-/.test(l))
    assert.equal(open.length, 1, lines.join('\n'))
    assert.match(open[0], /The following slots are open: .*1002-1004/)
    assert.ok(report.findings.some((f) => /migrating state 1002-1004\./.test(f.message)))
  })

  test('--env lines: every node and a redis:// seed list (IPv6 in brackets)', () => {
    assert.deepEqual(envLines([{host: '127.0.0.1', port: 7000}, {host: '127.0.0.1', port: 7001}]), ['REDIS_CLUSTER_NODES=127.0.0.1:7000,127.0.0.1:7001', 'REDIS_CLUSTER_SEED=redis://127.0.0.1:7000,redis://127.0.0.1:7001'])
    assert.deepEqual(envLines([{host: '::1', port: 7000}]), ['REDIS_CLUSTER_NODES=[::1]:7000', 'REDIS_CLUSTER_SEED=redis://[::1]:7000'])
  })

  test('REDIS_TS_TEST_PORT_BASE moves the random port window', () => {
    assert.deepEqual(randomPortRange({}), [10000, 20000])
    assert.deepEqual(randomPortRange({REDIS_TS_TEST_PORT_BASE: '30000'}), [30000, 31000])
    assert.deepEqual(randomPortRange({REDIS_TS_TEST_PORT_BASE: '30000', REDIS_TS_TEST_PORT_SPAN: '200'}), [30000, 30200])
    assert.deepEqual(randomPortRange({REDIS_TS_TEST_PORT_BASE: 'x'}), [10000, 20000])
  })

  test('state directory is per user (XDG_STATE_HOME, else ~/.local/state); node ids from nodes.conf', () => {
    assert.equal(defaultBaseDir({XDG_STATE_HOME: '/x/state'}), '/x/state/redis-ts')
    assert.match(defaultBaseDir({HOME: process.env.HOME}), /\/\.local\/state\/redis-ts$/)
    const d = mkdtempSync(join(tmpdir(), 'redis-ts-ids-'))
    try {
      writeFileSync(join(d, 'nodes.conf'), 'aaa 127.0.0.1:7001@17001 master - 0 1 2 connected\nbbb 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-5460\nvars currentEpoch 3 lastVoteEpoch 0\n')
      assert.equal(nodeIdFromConf(d), 'bbb')
    } finally {
      rmSync(d, {recursive: true, force: true})
    }
  })

  test('a stale pid (process gone, or reused by another program) reads as down', () => {
    assert.equal(nodeAlive({pid: 0, port: 7000}), false)
    assert.equal(nodeAlive({pid: 2 ** 22 + 12345, port: 7000}), false)
    // This test process is alive but is not a node of port 65011.
    if (process.platform === 'linux') assert.equal(nodeAlive({pid: process.pid, port: 65011}), false)
  })
})
