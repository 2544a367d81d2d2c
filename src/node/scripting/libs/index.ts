// The libraries Redis 7.0 loads into every Lua state besides Lua's own (script_lua.c
// luaLoadLibraries): cjson, struct, cmsgpack, bit, and Redis's deterministic math.random.
import type {LuaState} from '../lua.js'

export function openLibraries(_L: LuaState, _owner: unknown): void {}
