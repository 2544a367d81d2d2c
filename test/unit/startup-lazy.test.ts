// Start-up cost (issue 10, local cluster ready time): what a CLI command or a starting node loads.
// - A CLI command's bundle (esbuild, as `npm run bundle` builds it) carries no module of the embedded
//   runtime (src/node/): `startNode` in the public API imports it on first call.
// - A node loads the Lua VM (Fengari) on first use only: importing the runtime leaves it unloaded,
//   the first LuaEngine loads it.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {createRequire} from 'node:module'
import {resolve} from 'node:path'
import {build} from 'esbuild'

const root = resolve(import.meta.dirname, '../..')

test('the create and check commands bundle none of the embedded runtime', async () => {
  for (const cmd of ['create', 'check']) {
    const r = await build({
      entryPoints: [resolve(root, `commands/${cmd}.ts`)],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      external: ['@oclif/core', '@inquirer/prompts'],
      write: false,
      metafile: true,
      logLevel: 'silent',
    })
    // Inputs that made it into the output (the metafile's input list also has tree-shaken ones).
    const [out] = Object.values(r.metafile.outputs)
    const runtime = Object.entries(out.inputs).filter(([f, v]) => f.includes('src/node/') && v.bytesInOutput > 0).map(([f]) => f)
    assert.deepEqual(runtime, [], `${cmd}: ${runtime.length} runtime module(s), e.g. ${runtime.slice(0, 3).join(', ')}`)
  }
})

test('the node runtime loads the Lua VM on first use only', async () => {
  const req = createRequire(import.meta.url)
  const fengari = resolve(root, 'src/node/scripting/fengari/index.cjs')
  await import('../../src/node/index.js')
  await import('../../src/node/scripting/index.js')
  assert.equal(req.cache[fengari], undefined, 'Fengari loaded by importing the runtime')
  const {loadLua, lua} = await import('../../src/node/scripting/lua.js')
  assert.equal(lua, undefined)
  loadLua()
  assert.ok(req.cache[fengari], 'loadLua() loads Fengari')
  const live = await import('../../src/node/scripting/lua.js')
  assert.equal(typeof live.lua.lua_pushstring, 'function')
})
