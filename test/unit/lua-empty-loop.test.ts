// The VM's shortcut for a numeric `for` with an empty body (lvm.cjs emptyLoop): the loop variable
// ends where the dispatch loop would leave it (integer, float, negative and fractional steps,
// limits at the 32-bit edge), and the count hook (the busy-script check) fires exactly as often as
// without the shortcut. The reference runs the same chunk with a line hook too, which turns the
// shortcut off (every backward jump is a line event).
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {lua, lauxlib, to_luastring} from '../../src/node/scripting/fengari/index.cjs'
import type {LuaState} from '../../src/node/scripting/fengari/index.cjs'
import {loadLua} from '../../src/node/scripting/lua.js'

loadLua()

/** Runs `chunk` (which returns a number) with a count hook every `every` instructions. */
function run(chunk: string, every: number, lineHook: boolean): {result: number; counts: number} {
  const L: LuaState = lauxlib.luaL_newstate()
  let counts = 0
  const mask = lua.LUA_MASKCOUNT | (lineHook ? lua.LUA_MASKLINE : 0)
  lua.lua_sethook(L, (_l: LuaState, ar: {event: number}) => void (ar.event === lua.LUA_HOOKCOUNT && counts++), mask, every)
  assert.equal(lauxlib.luaL_loadstring(L, to_luastring(chunk)), lua.LUA_OK)
  assert.equal(lua.lua_pcall(L, 0, 1, 0), lua.LUA_OK)
  return {result: lua.lua_tonumber(L, -1), counts}
}

const CHUNKS = [
  'local last = 0 for i=1,100000 do end for i=1,7 do last = i end return last',
  // the loop variable is not visible after the loop: read it through a loop with a body
  'local n = 0 for i=1,250000 do end for i=10,1,-3 do n = n + i end return n',
  'local n = 0 for i=0.5,20000.25,0.25 do end for i=0.5,2,0.25 do n = n + i end return n',
  'local n = 0 for i=2147483000,2147483647 do end for i=2147483640,2147483647 do n = i end return n',
  'local n = 0 for i=-5,-300000,-7 do end for i=1,3 do for j=1,999 do end n = n + i end return n',
  'for i=1,0 do end for i=5,5 do end return 3000000000 / 2',
  'local t = 0 for i=1,3000 do for j=1,i do end t = t + 1 end return t',
]

for (const [i, chunk] of CHUNKS.entries()) {
  test(`empty numeric for: same result and count hooks as the dispatch loop (${i})`, () => {
    for (const every of [1, 2, 7, 1000]) {
      const ref = run(chunk, every, true)
      const got = run(chunk, every, false)
      assert.deepEqual(got, ref, `every ${every}`)
    }
  })
}

test('an empty loop of 3e8 iterations (a dispatch per iteration: ~25 s) fires its count hook once per 1000 instructions', () => {
  const {result, counts} = run('for i=1,300000000 do end return 1', 1000, false)
  assert.equal(result, 1)
  assert.ok(counts >= 299_999 && counts <= 300_001, String(counts))
})
