"use strict";

const {
    lua_createtable,
    lua_gettop,
    lua_pushcfunction,
    lua_pushinteger,
    lua_pushnumber,
    lua_setfield
} = require('./lua.cjs');
const {
    luaL_argcheck,
    luaL_checkinteger,
    luaL_checknumber,
    luaL_error,
    luaL_setfuncs
} = require('./lauxlib.cjs');
const {
    LUA_MAXINTEGER
} = require('./luaconf.cjs');
const { to_luastring } = require("./fengaricore.cjs");

let rand_state;
/* use same parameters as glibc LCG */
const l_rand = function() {
    rand_state = (1103515245 * rand_state + 12345) & 0x7fffffff;
    return rand_state;
};
const l_srand = function(x) {
    rand_state = x|0;
    if (rand_state === 0)
        rand_state = 1;
};

const math_random = function(L) {
    let low, up;
    /* use Math.random until randomseed is called */
    let r = (rand_state === void 0)?Math.random():(l_rand() / 0x80000000);
    switch (lua_gettop(L)) {  /* check number of arguments */
        case 0:
            lua_pushnumber(L, r);  /* Number between 0 and 1 */
            return 1;
        case 1: {
            low = 1;
            up = luaL_checkinteger(L, 1);
            break;
        }
        case 2: {
            low = luaL_checkinteger(L, 1);
            up = luaL_checkinteger(L, 2);
            break;
        }
        default: return luaL_error(L, "wrong number of arguments");
    }

    /* random integer in the interval [low, up] */
    luaL_argcheck(L, low <= up, 1, "interval is empty");
    luaL_argcheck(L, low >= 0 || up <= LUA_MAXINTEGER + low, 1,
        "interval too large");

    r *= (up - low) + 1;
    lua_pushinteger(L, Math.floor(r) + low);
    return 1;
};

const math_randomseed = function(L) {
    l_srand(luaL_checknumber(L, 1));
    l_rand(); /* discard first value to avoid undesirable correlations */
    return 0;
};

/* redis-ts: Lua 5.1's math library (Redis's deps/lua lmathlib.c) in place of 5.3's: numbers in and
   out (no integer subtype), 5.1's one-argument atan and log, atan2, cosh/sinh/tanh, pow, log10, frexp,
   ldexp, min/max over numbers, the names registered in 5.1's order in a table sized for them (so
   pairs(math) is redis-server's), mod as fmod. A two-argument function checks its second argument
   first: redis-server's C compiler evaluates the arguments right to left ("bad argument #2"). */
const RADIANS_PER_DEGREE = Math.PI / 180.0;

/* a NaN argument comes back as it is (its sign too), as C's math functions return it; a NaN they
   make (log(-1), sqrt(-1), fmod(1, 0) ...) is x86's default NaN, which has the sign bit set, except
   glibc's acos, asin and log10, which make a positive one */
const fn1 = function(f, made = -NaN) {
    return function(L) {
        let x = luaL_checknumber(L, 1);
        let r = f(x);
        lua_pushnumber(L, r !== r ? (x !== x ? x : made) : r);
        return 1;
    };
};

/* fabs clears the sign bit of a NaN too */
const math_abs = function(L) {
    let x = luaL_checknumber(L, 1);
    lua_pushnumber(L, x !== x ? NaN : Math.abs(x));
    return 1;
};

const fn2 = function(f) {
    return function(L) {
        let b = luaL_checknumber(L, 2);
        let a = luaL_checknumber(L, 1);
        let r = f(a, b);
        if (r !== r) r = a !== a ? a : b !== b ? b : -NaN;
        lua_pushnumber(L, r);
        return 1;
    };
};

/* C pow where JavaScript's ** differs: pow(1, y) and pow(x, ±0) are 1 even for NaN, pow(-1, ±inf) is 1 */
const c_pow = function(x, y) {
    if (x === 1 || y === 0) return 1;
    if (x === -1 && (y === Infinity || y === -Infinity)) return 1;
    return x ** y;
};

/* C modf's fractional part: the sign of x, also when it is zero (modf(-2) is -0) */
const math_modf = function(L) {
    let x = luaL_checknumber(L, 1);
    let ip = x !== x ? x : Math.trunc(x);
    let fp = x !== x ? x : (x === Infinity || x === -Infinity) ? 0 : x - ip;
    if (fp === 0) fp = (x < 0 || Object.is(x, -0)) ? -0 : 0;
    lua_pushnumber(L, ip);
    lua_pushnumber(L, fp);
    return 2;
};

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);  /* little-endian: u32[1] holds sign and exponent */

/* C frexp: x = m * 2^e with 0.5 <= |m| < 1; 0, infinities and NaN come back with e = 0 */
const frexp = function(x) {
    if (x === 0 || !Number.isFinite(x)) return [x, 0];
    f64[0] = x;
    let exp = (u32[1] >>> 20) & 0x7ff;
    let shift = 0;
    if (exp === 0) {  /* subnormal: scale into the normal range first */
        f64[0] = x * 2 ** 64;
        exp = (u32[1] >>> 20) & 0x7ff;
        shift = 64;
    }
    u32[1] = (u32[1] & 0x800fffff) | (1022 << 20);
    return [f64[0], exp - 1022 - shift];
};

/* C ldexp: m * 2^e rounded once, without overflowing or underflowing on the way */
const ldexp = function(m, e) {
    if (m === 0 || !Number.isFinite(m)) return m;
    let [f, k] = frexp(m);
    let E = k + e;
    if (E > 1024) return f < 0 ? -Infinity : Infinity;
    if (E >= -1021) return E === 1024 ? f * 2 ** 1023 * 2 : f * 2 ** E;
    return (f * 2 ** (E + 1074)) * Number.MIN_VALUE;  /* a subnormal result: one rounding */
};

const math_frexp = function(L) {
    let [m, e] = frexp(luaL_checknumber(L, 1));
    lua_pushnumber(L, m);
    lua_pushinteger(L, e);
    return 2;
};

/* luaL_checkint: the number as C casts it to a 64-bit integer (luaL_checkinteger), then to an int */
const checkint = function(L, i) {
    return luaL_checkinteger(L, i) | 0;
};

const math_ldexp = function(L) {
    let e = checkint(L, 2);
    let m = luaL_checknumber(L, 1);
    lua_pushnumber(L, ldexp(m, e));
    return 1;
};

const math_min = function(L) {
    let n = lua_gettop(L);  /* number of arguments */
    let dmin = luaL_checknumber(L, 1);
    for (let i = 2; i <= n; i++) {
        let d = luaL_checknumber(L, i);
        if (d < dmin)
            dmin = d;
    }
    lua_pushnumber(L, dmin);
    return 1;
};

const math_max = function(L) {
    let n = lua_gettop(L);  /* number of arguments */
    let dmax = luaL_checknumber(L, 1);
    for (let i = 2; i <= n; i++) {
        let d = luaL_checknumber(L, i);
        if (d > dmax)
            dmax = d;
    }
    lua_pushnumber(L, dmax);
    return 1;
};

const math_fmod = fn2((a, b) => a % b);

const mathlib = {
    "abs":        math_abs,
    "acos":       fn1(Math.acos, NaN),
    "asin":       fn1(Math.asin, NaN),
    "atan2":      fn2(Math.atan2),
    "atan":       fn1(Math.atan),
    "ceil":       fn1(Math.ceil),
    "cosh":       fn1(Math.cosh),
    "cos":        fn1(Math.cos),
    "deg":        fn1((x) => x / RADIANS_PER_DEGREE),
    "exp":        fn1(Math.exp),
    "floor":      fn1(Math.floor),
    "fmod":       math_fmod,
    "frexp":      math_frexp,
    "ldexp":      math_ldexp,
    "log10":      fn1(Math.log10, NaN),
    "log":        fn1(Math.log),
    "max":        math_max,
    "min":        math_min,
    "modf":       math_modf,
    "pow":        fn2(c_pow),
    "rad":        fn1((x) => x * RADIANS_PER_DEGREE),
    "random":     math_random,
    "randomseed": math_randomseed,
    "sinh":       fn1(Math.sinh),
    "sin":        fn1(Math.sin),
    "sqrt":       fn1(Math.sqrt),
    "tanh":       fn1(Math.tanh),
    "tan":        fn1(Math.tan)
};

const luaopen_math = function(L) {
    lua_createtable(L, 0, Object.keys(mathlib).length);
    luaL_setfuncs(L, mathlib, 0);
    lua_pushnumber(L, Math.PI);
    lua_setfield(L, -2, to_luastring("pi", true));
    lua_pushnumber(L, Infinity);
    lua_setfield(L, -2, to_luastring("huge", true));
    lua_pushcfunction(L, math_fmod);  /* LUA_COMPAT_MOD */
    lua_setfield(L, -2, to_luastring("mod", true));
    return 1;
};

module.exports.luaopen_math = luaopen_math;
