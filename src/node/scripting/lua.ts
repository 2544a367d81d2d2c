// Typed helpers over the vendored Lua VM (./fengari): Redis values are latin1 strings (one char
// = one byte), Lua strings are Uint8Array; these convert without loss in both directions.
// The VM is loaded on first use (loadLua, from the LuaEngine constructor): most nodes never run a
// script, and setting up Fengari's ~30 modules is a measurable part of a node's start-up.
import {createRequire} from 'node:module'
import type * as Fengari from './fengari/index.cjs'
import type {LuaState as State} from './fengari/index.cjs'
import * as cdouble from '../../resp/cdouble.js'

export type LuaState = State
type FengariModule = typeof Fengari

// Live bindings, set by loadLua() before any Lua state exists.
export let lua: FengariModule['lua']
export let lauxlib: FengariModule['lauxlib']
export let lualib: FengariModule['lualib']
export let to_luastring: FengariModule['to_luastring']
export let to_jsstring: FengariModule['to_jsstring']

/** Load the Lua VM (once). A literal require, so the node's bundle carries the VM and runs it lazily. */
export function loadLua(): void {
  if (lua !== undefined) return
  const fengari = (typeof require === 'function' ? require('./fengari/index.cjs') : createRequire(import.meta.url)('./fengari/index.cjs')) as FengariModule
  // Lua prints numbers with C's printf: the exact formatter, before any number is printed (literal
  // requires too: the bundle carries the module, the one instance index.cjs uses)
  const luaconf = (typeof require === 'function' ? require('./fengari/luaconf.cjs') : createRequire(import.meta.url)('./fengari/luaconf.cjs')) as {setDoubleFormatter(f: typeof cdouble): void}
  luaconf.setDoubleFormatter(cdouble)
  ;({lua, lauxlib, lualib, to_luastring, to_jsstring} = fengari)
}

const cache = new Map<string, Uint8Array>()

/** A constant Lua string (field names, messages): cached. */
export function lstr(s: string): Uint8Array {
  let v = cache.get(s)
  if (v === undefined) {
    v = to_luastring(s, true)
    cache.set(s, v)
  }
  return v
}

/** Bytes of a latin1 (binary) string as a Lua string. */
export function toLua(s: string): Uint8Array {
  return Buffer.from(s, 'latin1')
}

/** A Lua string back to a latin1 (binary) string. */
export function fromLua(u: Uint8Array): string {
  return Buffer.from(u.buffer, u.byteOffset, u.length).toString('latin1')
}

/** UTF-8 JavaScript text (log lines, messages) from a Lua string. */
export function textFromLua(u: Uint8Array): string {
  return Buffer.from(u.buffer, u.byteOffset, u.length).toString('utf8')
}

export function pushBin(L: LuaState, s: string): void {
  lua.lua_pushstring(L, toLua(s))
}

export function pushText(L: LuaState, s: string): void {
  lua.lua_pushstring(L, lstr(s))
}

/** lua_tolstring as a latin1 string (numbers are converted in place, as in C); null when not a string/number. */
export function toBin(L: LuaState, idx: number): string | null {
  const u = lua.lua_tolstring(L, idx) as Uint8Array | null
  return u == null ? null : fromLua(u)
}

/** t[field] = value (string) for the table on top of the stack. */
export function setStringField(L: LuaState, field: string, value: string): void {
  pushText(L, field)
  pushBin(L, value)
  lua.lua_settable(L, -3)
}

export type LuaCFunction = (L: LuaState) => number

/** Register functions into the table on top of the stack. */
export function setFunctions(L: LuaState, fns: Record<string, LuaCFunction>): void {
  for (const [name, fn] of Object.entries(fns)) {
    lua.lua_pushcfunction(L, fn)
    lua.lua_setfield(L, -2, lstr(name))
  }
}

/** C's "%.17g": how Redis turns a Lua number argument into a command argument. */
export {formatG17} from '../../resp/writer.js'
