// Types for the vendored Fengari entry (index.cjs). Fengari's API mirrors the Lua C API one to one
// (https://www.lua.org/manual/5.3/manual.html#4); Lua strings are Uint8Array, the state is opaque.
/* eslint-disable @typescript-eslint/no-explicit-any */
export type LuaState = {readonly __luaState: unique symbol}
export type LuaString = Uint8Array
export declare function to_jsstring(s: LuaString, from?: number, to?: number, replacement_char?: boolean): string
export declare function to_luastring(s: string, cache?: boolean): LuaString
export declare function luastring_eq(a: LuaString, b: LuaString): boolean
export declare const lua: any
export declare const lauxlib: any
export declare const lualib: any
