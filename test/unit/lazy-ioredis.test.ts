// ioredis is evaluated on first use (src/admin/ioredis.ts): loading the `create` command (and what it
// imports) must not evaluate it, so a local create hands its warm nodes their configuration before
// paying for it (issue 10, ready time). A static value import of ioredis anywhere on that path fails this.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))

test('loading the create command does not evaluate ioredis; the first connection does', () => {
  const code = `
    import {createRequire} from 'node:module'
    const cache = createRequire(import.meta.url).cache
    const loaded = () => Object.keys(cache).some((k) => k.includes('/node_modules/ioredis/'))
    await import('./commands/create.ts')
    const before = loaded()
    const {ioredis} = await import('./src/admin/ioredis.ts')
    const {Redis} = await ioredis()
    console.log(JSON.stringify({before, after: loaded(), redis: typeof Redis}))
  `
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {cwd: root, encoding: 'utf8', env: {...process.env, NODE_TEST_CONTEXT: undefined}})
  assert.equal(r.status, 0, r.stderr)
  assert.deepEqual(JSON.parse(r.stdout.trim().split('\n').at(-1)!), {before: false, after: true, redis: 'function'})
})
