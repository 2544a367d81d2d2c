// Warm node processes (src/local/warm.ts): which `create` command lines start them from bin/run.js,
// read against the real oclif manifest of the create command.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {packageRoot, warmNodeCount, type ManifestFlag} from '../../src/local/warm.js'

const flags = (JSON.parse(readFileSync(join(packageRoot(), 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, {flags: Record<string, ManifestFlag>}>}).commands.create.flags

test('local embedded create: masters × (replicas + 1) warm nodes', () => {
  assert.equal(warmNodeCount([], flags), 3)
  assert.equal(warmNodeCount(['--replicas', '1', '--yes'], flags), 6)
  assert.equal(warmNodeCount(['-r', '2', '-y', '--masters=4'], flags), 12)
  assert.equal(warmNodeCount(['--cluster-replicas', '1', '--port', '7000', '--name', 'ci', '--json'], flags), 6)
  assert.equal(warmNodeCount(['--server', 'embedded', '--replicas=1'], flags), 6)
})

test('anything else starts none', () => {
  assert.equal(warmNodeCount(['127.0.0.1:7000', '127.0.0.1:7001', '127.0.0.1:7002'], flags), 0, 'node addresses')
  assert.equal(warmNodeCount(['--replicas', '1', '127.0.0.1:7000'], flags), 0, 'an address after flags')
  assert.equal(warmNodeCount(['--server', '/usr/bin/redis-server'], flags), 0)
  assert.equal(warmNodeCount(['--sentinel'], flags), 0)
  assert.equal(warmNodeCount(['--foreground'], flags), 0)
  assert.equal(warmNodeCount(['--dry-run'], flags), 0)
  assert.equal(warmNodeCount(['--help'], flags), 0, 'not a flag of the manifest')
  assert.equal(warmNodeCount(['--bogus'], flags), 0)
  assert.equal(warmNodeCount(['--replicas'], flags), 0, 'a missing value')
  assert.equal(warmNodeCount(['--masters', '2'], flags), 0)
  assert.equal(warmNodeCount(['--replicas', '-1'], flags), 0)
  assert.equal(warmNodeCount(['--masters', 'abc'], flags), 0)
})
