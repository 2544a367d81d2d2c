/*
 * Fengari 0.1.5 (https://github.com/fengari-lua/fengari, MIT, see LICENSE in this folder): the Lua
 * VM written in JavaScript, vendored so that three patches can make it behave like the Lua 5.1
 * Redis embeds (see the "redis-ts" comments in lobject.cjs, luaconf.cjs and ldblib.cjs):
 * every numeral is a double, integral floats print without ".0", numbers print as "%.14g",
 * and debug.debug has no interactive prompt. The io, os, package, utf8 and fengari libraries
 * are not vendored: Redis scripts never see them.
 */
"use strict";
const core = require("./fengaricore.cjs");
module.exports.to_jsstring = core.to_jsstring;
module.exports.to_luastring = core.to_luastring;
module.exports.luastring_eq = core.luastring_eq;
module.exports.lua = require("./lua.cjs");
module.exports.lauxlib = require("./lauxlib.cjs");
module.exports.lualib = require("./lualib.cjs");
