"use strict";

const {
    LUA_OPLT,
    LUA_TFUNCTION,
    LUA_TNIL,
    LUA_TNUMBER,
    LUA_TTABLE,
    lua_call,
    lua_checkstack,
    lua_compare,
    lua_createtable,
    lua_getmetatable,
    lua_gettop,
    lua_isnil,
    lua_next,
    lua_isnoneornil,
    lua_isstring,
    lua_pop,
    lua_pushcfunction,
    lua_pushinteger,
    lua_pushnil,
    lua_pushnumber,
    lua_pushstring,
    lua_pushvalue,
    lua_rawget,
    lua_rawgeti,
    lua_rawlen,
    lua_rawseti,
    lua_setglobal,
    lua_settop,
    lua_toboolean,
    lua_tonumber,
    lua_type
} = require('./lua.cjs');
const {
    luaL_Buffer,
    luaL_addlstring,
    luaL_addvalue,
    luaL_buffinit,
    luaL_checkinteger,
    luaL_checkstack,
    luaL_checktype,
    luaL_error,
    luaL_len,
    luaL_optinteger,
    luaL_optlstring,
    luaL_pushresult,
    luaL_setfuncs,
    luaL_typename
} = require('./lauxlib.cjs');
const lualib = require('./lualib.cjs');
const {
    to_luastring
} = require("./fengaricore.cjs");

/*
** Operations that an object must define to mimic a table
** (some functions only need some of them)
*/
const TAB_R  = 1;               /* read */
const TAB_W  = 2;               /* write */
const TAB_L  = 4;               /* length */
const TAB_RW = (TAB_R | TAB_W); /* read/write */

const checkfield = function(L, key, n) {
    lua_pushstring(L, key);
    return lua_rawget(L, -n) !== LUA_TNIL;
};

/*
** Check that 'arg' either is a table or can behave like one (that is,
** has a metatable with the required metamethods)
*/
const checktab = function(L, arg, what) {
    if (lua_type(L, arg) !== LUA_TTABLE) {  /* is it not a table? */
        let n = 1;
        if (lua_getmetatable(L, arg) &&  /* must have metatable */
            (!(what & TAB_R) || checkfield(L, to_luastring("__index", true), ++n)) &&
            (!(what & TAB_W) || checkfield(L, to_luastring("__newindex", true), ++n)) &&
            (!(what & TAB_L) || checkfield(L, to_luastring("__len", true), ++n))) {
            lua_pop(L, n);  /* pop metatable and tested metamethods */
        }
        else
            luaL_checktype(L, arg, LUA_TTABLE);  /* force an error */
    }
};

const aux_getn = function(L, n, w) {
    checktab(L, n, w | TAB_L);
    return luaL_len(L, n);
};

/* redis-ts: Redis's deps/lua addfield: a raw read (the message names the type, as Redis patched it) */
const addfield = function(L, b, i) {
    lua_rawgeti(L, 1, i);
    if (!lua_isstring(L, -1))
        luaL_error(L, to_luastring("invalid value (%s) at index %d in table for 'concat'"),
            luaL_typename(L, -1), i);

    luaL_addvalue(b);
};

/* redis-ts: table.insert and table.remove of Lua 5.1 (Redis's deps/lua ltablib.c): raw accesses,
   '#' of the table itself, a position past the end grows it, one outside 1..#t removes nothing */
const aux_getn51 = function(L, n) {
    luaL_checktype(L, n, LUA_TTABLE);
    return lua_rawlen(L, n);
};

const tinsert = function(L) {
    let e = aux_getn51(L, 1) + 1;  /* first empty element */
    let pos;  /* where to insert new element */
    switch (lua_gettop(L)) {
        case 2: {  /* called with only 2 arguments */
            pos = e;  /* insert new element at the end */
            break;
        }
        case 3: {
            pos = luaL_checkinteger(L, 2) | 0;  /* redis-ts: luaL_checkint (int) */  /* 2nd argument is the position */
            if (pos > e) e = pos;  /* 'grow' array if necessary */
            for (let i = e; i > pos; i--) {  /* move up elements */
                lua_rawgeti(L, 1, i - 1);
                lua_rawseti(L, 1, i);  /* t[i] = t[i-1] */
            }
            break;
        }
        default: {
            return luaL_error(L, to_luastring("wrong number of arguments to 'insert'"));
        }
    }
    lua_rawseti(L, 1, pos);  /* t[pos] = v */
    return 0;
};

const tremove = function(L) {
    let e = aux_getn51(L, 1);
    let pos = luaL_optinteger(L, 2, e) | 0;  /* redis-ts: luaL_optint (int) */
    if (!(1 <= pos && pos <= e))  /* position is outside bounds? */
        return 0;  /* nothing to remove */
    lua_rawgeti(L, 1, pos);  /* result = t[pos] */
    for (; pos < e; pos++) {
        lua_rawgeti(L, 1, pos + 1);
        lua_rawseti(L, 1, pos);  /* t[pos] = t[pos+1] */
    }
    lua_pushnil(L);
    lua_rawseti(L, 1, e);  /* t[e] = nil */
    return 1;
};


/* redis-ts: Lua 5.1's table.concat: the separator checked first, then a table (no metamethods), raw '#' */
const tconcat = function(L) {
    let sep = luaL_optlstring(L, 2, "");
    let lsep = sep.length;
    luaL_checktype(L, 1, LUA_TTABLE);
    let i = luaL_optinteger(L, 3, 1) | 0;  /* luaL_optint (int) */
    let last = lua_isnoneornil(L, 4) ? lua_rawlen(L, 1) : luaL_checkinteger(L, 4) | 0;

    let b = new luaL_Buffer();
    luaL_buffinit(L, b);

    for (; i < last; i++) {
        addfield(L, b, i);
        luaL_addlstring(b, sep, lsep);
    }

    if (i === last)
        addfield(L, b, i);

    luaL_pushresult(b);

    return 1;
};


/* redis-ts: Lua 5.1's unpack (a global function): a table only, raw reads, int bounds */
const unpack = function(L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    let i = luaL_optinteger(L, 2, 1) | 0;  /* luaL_optint */
    let e = lua_isnoneornil(L, 3) ? lua_rawlen(L, 1) : luaL_checkinteger(L, 3) | 0;
    if (i > e) return 0;  /* empty range */
    let n = e - i + 1;  /* number of elements */
    if (n <= 0 || n >= 0x7fffffff || !lua_checkstack(L, n))  /* n <= 0 means arith. overflow */
        return luaL_error(L, to_luastring("too many results to unpack"));
    lua_rawgeti(L, 1, i);  /* push arg[i] (avoiding overflow problems) */
    while (i++ < e)  /* push arg[i + 1...e] */
        lua_rawgeti(L, 1, i);
    return n;
};

/* redis-ts: Lua 5.1's table.sort (Redis's deps/lua ltablib.c): its quicksort, median of three and
   no random pivot, so equal elements (and an inconsistent order function) end up where Redis puts
   them; raw reads and writes; the order function checked whatever the table's size */
const set2 = function(L, i, j) {
    lua_rawseti(L, 1, i);
    lua_rawseti(L, 1, j);
};

const sort_comp = function(L, a, b) {
    if (!lua_isnil(L, 2)) {  /* function? */
        lua_pushvalue(L, 2);
        lua_pushvalue(L, a-1);  /* -1 to compensate function */
        lua_pushvalue(L, b-2);  /* -2 to compensate function and 'a' */
        lua_call(L, 2, 1);
        let res = lua_toboolean(L, -1);
        lua_pop(L, 1);
        return res;
    } else  /* a < b? */
        return lua_compare(L, a, b, LUA_OPLT);
};

const auxsort = function(L, l, u) {
    while (l < u) {  /* for tail recursion */
        let i, j;
        /* sort elements a[l], a[(l+u)/2] and a[u] */
        lua_rawgeti(L, 1, l);
        lua_rawgeti(L, 1, u);
        if (sort_comp(L, -1, -2))  /* a[u] < a[l]? */
            set2(L, l, u);  /* swap a[l] - a[u] */
        else
            lua_pop(L, 2);
        if (u-l === 1) break;  /* only 2 elements */
        i = Math.floor((l+u)/2);
        lua_rawgeti(L, 1, i);
        lua_rawgeti(L, 1, l);
        if (sort_comp(L, -2, -1))  /* a[i]<a[l]? */
            set2(L, i, l);
        else {
            lua_pop(L, 1);  /* remove a[l] */
            lua_rawgeti(L, 1, u);
            if (sort_comp(L, -1, -2))  /* a[u]<a[i]? */
                set2(L, i, u);
            else
                lua_pop(L, 2);
        }
        if (u-l === 2) break;  /* only 3 elements */
        lua_rawgeti(L, 1, i);  /* Pivot */
        lua_pushvalue(L, -1);
        lua_rawgeti(L, 1, u-1);
        set2(L, i, u-1);
        /* a[l] <= P == a[u-1] <= a[u], only need to sort from l+1 to u-2 */
        i = l; j = u-1;
        for (;;) {  /* invariant: a[l..i] <= P <= a[j..u] */
            /* repeat ++i until a[i] >= P */
            while (lua_rawgeti(L, 1, ++i), sort_comp(L, -1, -2)) {
                if (i>u) luaL_error(L, to_luastring("invalid order function for sorting"));
                lua_pop(L, 1);  /* remove a[i] */
            }
            /* repeat --j until a[j] <= P */
            while (lua_rawgeti(L, 1, --j), sort_comp(L, -3, -1)) {
                if (j<l) luaL_error(L, to_luastring("invalid order function for sorting"));
                lua_pop(L, 1);  /* remove a[j] */
            }
            if (j<i) {
                lua_pop(L, 3);  /* pop pivot, a[i], a[j] */
                break;
            }
            set2(L, i, j);
        }
        lua_rawgeti(L, 1, u-1);
        lua_rawgeti(L, 1, i);
        set2(L, u-1, i);  /* swap pivot (a[u-1]) with a[i] */
        /* a[l..i-1] <= a[i] == P <= a[i+1..u] */
        /* adjust so that smaller half is in [j..i] and larger one in [l..u] */
        if (i-l < u-i) {
            j=l; i=i-1; l=i+2;
        } else {
            j=i+1; i=u; u=j-2;
        }
        auxsort(L, j, i);  /* call recursively the smaller one */
    }  /* repeat the routine for the larger one */
};

const sort = function(L) {
    let n = aux_getn51(L, 1);
    luaL_checkstack(L, 40, "");  /* assume array is smaller than 2^40 */
    if (!lua_isnoneornil(L, 2))  /* is there a 2nd argument? */
        luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_settop(L, 2);  /* make sure there is two arguments */
    auxsort(L, 1, n);
    return 0;
};

/* redis-ts: Lua 5.1's table.foreach, table.foreachi, table.getn, table.maxn and table.setn (Redis's
   deps/lua ltablib.c), which 5.3 dropped */
const foreach = function(L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_pushnil(L);  /* first key */
    while (lua_next(L, 1)) {
        lua_pushvalue(L, 2);  /* function */
        lua_pushvalue(L, -3);  /* key */
        lua_pushvalue(L, -3);  /* value */
        lua_call(L, 2, 1);
        if (!lua_isnil(L, -1))
            return 1;
        lua_pop(L, 2);  /* remove value and result */
    }
    return 0;
};

const foreachi = function(L) {
    let n = aux_getn51(L, 1);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    for (let i = 1; i <= n; i++) {
        lua_pushvalue(L, 2);  /* function */
        lua_pushinteger(L, i);  /* 1st argument */
        lua_rawgeti(L, 1, i);  /* 2nd argument */
        lua_call(L, 2, 1);
        if (!lua_isnil(L, -1))
            return 1;
        lua_pop(L, 1);  /* remove nil result */
    }
    return 0;
};

const getn = function(L) {
    lua_pushinteger(L, aux_getn51(L, 1));
    return 1;
};

const maxn = function(L) {
    let max = 0;
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_pushnil(L);  /* first key */
    while (lua_next(L, 1)) {
        lua_pop(L, 1);  /* remove value */
        if (lua_type(L, -1) === LUA_TNUMBER) {
            let v = lua_tonumber(L, -1);
            if (v > max) max = v;
        }
    }
    lua_pushnumber(L, max);
    return 1;
};

const setn = function(L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    return luaL_error(L, to_luastring("'setn' is obsolete"));
};

/* redis-ts: Lua 5.1's list in its order, in a table sized for it (luaL_register), so the table's
   layout and pairs() order are 5.1's; 5.3's move, pack and unpack are not there (unpack is a
   global function in 5.1: luaopen_table sets it) */
const tab_funcs = {
    "concat":   tconcat,
    "foreach":  foreach,
    "foreachi": foreachi,
    "getn":     getn,
    "maxn":     maxn,
    "insert":   tinsert,
    "remove":   tremove,
    "setn":     setn,
    "sort":     sort
};

const luaopen_table = function(L) {
    lua_createtable(L, 0, Object.keys(tab_funcs).length);
    luaL_setfuncs(L, tab_funcs, 0);
    lua_pushcfunction(L, unpack);
    lua_setglobal(L, to_luastring("unpack"));
    return 1;
};

module.exports.luaopen_table = luaopen_table;
