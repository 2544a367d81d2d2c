// Warm node processes (src/local/warm.ts): which `create` command lines start them from bin/run.js, and how many,
// read against the real oclif manifest of the create command.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {packageRoot, localCreatePlan, type ManifestFlag} from '../../src/local/warm.js'

const localCreateNodes = (argv: string[], f: Record<string, ManifestFlag>) => localCreatePlan(argv, f)?.nodes

const flags = (JSON.parse(readFileSync(join(packageRoot(), 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, {flags: Record<string, ManifestFlag>}>}).commands.create.flags

test('local embedded create: its node count (masters × (replicas + 1))', () => {
  assert.equal(localCreateNodes([], flags), 3)
  assert.equal(localCreateNodes(['--replicas', '1', '--yes'], flags), 6)
  assert.equal(localCreateNodes(['-r', '2', '-y', '--masters=4'], flags), 12)
  assert.equal(localCreateNodes(['--cluster-replicas', '1', '--port', '7000', '--name', 'ci', '--json'], flags), 6)
  assert.equal(localCreateNodes(['--server', 'embedded', '--replicas=1'], flags), 6)
})

test('anything else starts none', () => {
  assert.equal(localCreateNodes(['127.0.0.1:7000', '127.0.0.1:7001', '127.0.0.1:7002'], flags), undefined, 'node addresses')
  assert.equal(localCreateNodes(['--replicas', '1', '127.0.0.1:7000'], flags), undefined, 'an address after flags')
  assert.equal(localCreateNodes(['--server', '/usr/bin/redis-server'], flags), undefined)
  assert.equal(localCreateNodes(['--sentinel'], flags), undefined)
  assert.equal(localCreateNodes(['--foreground'], flags), undefined)
  assert.equal(localCreateNodes(['--dry-run'], flags), undefined)
  assert.equal(localCreateNodes(['--help'], flags), undefined, 'not a flag of the manifest')
  assert.equal(localCreateNodes(['--bogus'], flags), undefined)
  assert.equal(localCreateNodes(['--replicas'], flags), undefined, 'a missing value')
  assert.equal(localCreateNodes(['--masters', '2'], flags), undefined)
  assert.equal(localCreateNodes(['--replicas', '-1'], flags), undefined)
  assert.equal(localCreateNodes(['--masters', 'abc'], flags), undefined)
})

test('one warm host for the nodes, unless --no-single-process (a warm process per node)', () => {
  assert.deepEqual(localCreatePlan(['--replicas', '1', '--single-process', '--yes'], flags), {nodes: 6, singleProcess: true})
  assert.deepEqual(localCreatePlan(['--replicas', '1'], flags), {nodes: 6, singleProcess: true})
  assert.deepEqual(localCreatePlan(['--replicas', '1', '--no-single-process'], flags), {nodes: 6, singleProcess: false})
  assert.deepEqual(localCreatePlan(['--no-fast-join'], flags), {nodes: 3, singleProcess: true})
  assert.equal(localCreatePlan(['--single-process', '--server', 'redis-server'], flags), undefined)
})
