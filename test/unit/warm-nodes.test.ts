// Warm node processes (src/local/warm.ts): which `create` command lines start them from bin/run.js, and how many,
// read against the real oclif manifest of the create command.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {packageRoot, localCreateSize, type ManifestFlag} from '../../src/local/warm.js'

const flags = (JSON.parse(readFileSync(join(packageRoot(), 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, {flags: Record<string, ManifestFlag>}>}).commands.create.flags

test('local embedded create: its masters and nodes (masters × (replicas + 1))', () => {
  assert.deepEqual(localCreateSize([], flags), {masters: 3, nodes: 3})
  assert.deepEqual(localCreateSize(['--replicas', '1', '--yes'], flags), {masters: 3, nodes: 6})
  assert.deepEqual(localCreateSize(['-r', '2', '-y', '--masters=4'], flags), {masters: 4, nodes: 12})
  assert.deepEqual(localCreateSize(['--cluster-replicas', '1', '--port', '7000', '--name', 'ci', '--json'], flags), {masters: 3, nodes: 6})
  assert.deepEqual(localCreateSize(['--server', 'embedded', '--replicas=1'], flags), {masters: 3, nodes: 6})
})

test('anything else starts none', () => {
  assert.equal(localCreateSize(['127.0.0.1:7000', '127.0.0.1:7001', '127.0.0.1:7002'], flags), undefined, 'node addresses')
  assert.equal(localCreateSize(['--replicas', '1', '127.0.0.1:7000'], flags), undefined, 'an address after flags')
  assert.equal(localCreateSize(['--server', '/usr/bin/redis-server'], flags), undefined)
  assert.equal(localCreateSize(['--sentinel'], flags), undefined)
  assert.equal(localCreateSize(['--foreground'], flags), undefined)
  assert.equal(localCreateSize(['--dry-run'], flags), undefined)
  assert.equal(localCreateSize(['--help'], flags), undefined, 'not a flag of the manifest')
  assert.equal(localCreateSize(['--bogus'], flags), undefined)
  assert.equal(localCreateSize(['--replicas'], flags), undefined, 'a missing value')
  assert.equal(localCreateSize(['--masters', '2'], flags), undefined)
  assert.equal(localCreateSize(['--replicas', '-1'], flags), undefined)
  assert.equal(localCreateSize(['--masters', 'abc'], flags), undefined)
})
