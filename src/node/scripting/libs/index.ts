// The libraries Redis 7.0 loads into every Lua state besides Lua's own (script_lua.c
// luaLoadLibraries): cjson, struct, cmsgpack, bit, and Redis's deterministic math.random.
import type {NodeServer} from '../../server.js'
import type {LuaState} from '../lua.js'
import {openBit} from './bit.js'
import {openCjson} from './cjson.js'
import {openCmsgpack} from './cmsgpack.js'
import {openRedisMath, Rand48} from './random.js'
import {openStruct} from './struct.js'

/** One generator per node: EVAL and FCALL scripts continue one sequence (7.0 never reseeds it). */
const generators = new WeakMap<NodeServer, Rand48>()

export function openLibraries(L: LuaState, owner: {server: NodeServer; host: unknown}): void {
  openCjson(L)
  openStruct(L)
  openCmsgpack(L)
  openBit(L)
  let rng = generators.get(owner.server)
  if (rng === undefined) generators.set(owner.server, (rng = new Rand48()))
  openRedisMath(L, {rng, inScript: () => owner.host !== null})
}
