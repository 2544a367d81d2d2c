// Redis's deterministic math.random / math.randomseed (src/script_lua.c redis_math_random, on the
// 48-bit linear congruential generator of src/rand.c, the same sequence as POSIX lrand48/srand48).
// In Redis 7.0 the generator is process-wide and never reseeded per script (6.x called
// redisSrand48(0) before every EVAL; 7.0 removed that with effect replication): successive scripts
// continue one sequence, it starts from the default lrand48 state at server start, and only
// math.randomseed changes it. Eval scripts and functions share it, so a node owns one Rand48.
import {lua, to_luastring} from '../lua.js'
import type {LuaState} from '../fengari/index.cjs'
import {argError, checkInt, raise} from './util.js'

const MASK48 = (1n << 48n) - 1n
const A = 0x5deece66dn
const C = 0xbn
const DEFAULT_STATE = 0x1234abcd330en
const LRAND48_MAX = 2147483647 // REDIS_LRAND48_MAX (INT32_MAX)

export class Rand48 {
  private x = DEFAULT_STATE

  /** redisSrand48: the seed's 32 bits above the fixed low word 0x330E. */
  seed(seed: number): void {
    this.x = (BigInt(seed >>> 0) << 16n) | 0x330en
  }

  /** redisLrand48: the top 31 bits of the next state. */
  next(): number {
    this.x = (A * this.x + C) & MASK48
    return Number(this.x >> 17n)
  }
}

export interface RedisMathOptions {
  /** The generator (one per node, shared by every Lua state of that node). */
  rng: Rand48
  /** False outside a script invocation: Redis then refuses math.random (e.g. at FUNCTION LOAD time). */
  inScript?: () => boolean
}

/** Replaces math.random and math.randomseed in the already opened `math` table. */
export function openRedisMath(L: LuaState, opts: RedisMathOptions): void {
  const {rng, inScript = () => true} = opts
  const random = (L: LuaState): number => {
    if (!inScript()) raise(L, 'math.random can only be called inside a script invocation')
    // drawn before the arguments are checked, as in Redis: a failing call still advances the sequence
    const r = (rng.next() % LRAND48_MAX) / LRAND48_MAX
    switch (lua.lua_gettop(L)) {
      case 0:
        lua.lua_pushnumber(L, r)
        break
      case 1: {
        const u = checkInt(L, 1)
        if (!(1 <= u)) argError(L, 1, 'interval is empty')
        lua.lua_pushnumber(L, Math.floor(r * u) + 1)
        break
      }
      case 2: {
        const l = checkInt(L, 1)
        const u = checkInt(L, 2)
        if (!(l <= u)) argError(L, 2, 'interval is empty')
        lua.lua_pushnumber(L, Math.floor(r * ((u - l + 1) | 0)) + l)
        break
      }
      default:
        raise(L, 'wrong number of arguments')
    }
    return 1
  }
  const randomseed = (L: LuaState): number => {
    if (!inScript()) raise(L, 'math.randomseed can only be called inside a script invocation')
    rng.seed(checkInt(L, 1))
    return 0
  }
  lua.lua_getglobal(L, to_luastring('math'))
  lua.lua_pushcfunction(L, random)
  lua.lua_setfield(L, -2, to_luastring('random'))
  lua.lua_pushcfunction(L, randomseed)
  lua.lua_setfield(L, -2, to_luastring('randomseed'))
  lua.lua_pop(L, 1)
}
