"use strict";

const {
    constant_types: {
        LUA_TBOOLEAN,
        LUA_TCCL,
        LUA_TLCF,
        LUA_TLCL,
        LUA_TLIGHTUSERDATA,
        LUA_TLNGSTR,
        LUA_TNIL,
        LUA_TNUMFLT,
        LUA_TNUMINT,
        LUA_TSHRSTR,
        LUA_TTABLE,
        LUA_TTHREAD,
        LUA_TUSERDATA
    },
    to_luastring
} = require('./defs.cjs');
const {
    LUA_MAXINTEGER
} = require('./luaconf.cjs');
const { lua_assert } = require('./llimits.cjs');
const ldebug  = require('./ldebug.cjs');
const lobject = require('./lobject.cjs');
const {
    luaS_hashlongstr,
    TString
} = require('./lstring.cjs');
const lstate  = require('./lstate.cjs');

/* used to prevent conflicts with lightuserdata keys */
let lightuserdata_hashes = new WeakMap();
const get_lightuserdata_hash = function(v) {
    let hash = lightuserdata_hashes.get(v);
    if (!hash) {
        /* Hash should be something unique that is a valid WeakMap key
           so that it ends up in dead_weak when removed from a table */
        hash = {};
        lightuserdata_hashes.set(v, hash);
    }
    return hash;
};

const table_hash = function(L, key) {
    switch(key.type) {
        case LUA_TNIL:
            return ldebug.luaG_runerror(L, to_luastring("table index is nil", true));
        case LUA_TNUMFLT:
            if (isNaN(key.value))
                return ldebug.luaG_runerror(L, to_luastring("table index is NaN", true));
            /* fall through */
        case LUA_TNUMINT: /* takes advantage of floats and integers being same in JS */
        case LUA_TBOOLEAN:
        case LUA_TTABLE:
        case LUA_TLCL:
        case LUA_TLCF:
        case LUA_TCCL:
        case LUA_TUSERDATA:
        case LUA_TTHREAD:
            return key.value;
        case LUA_TSHRSTR:
        case LUA_TLNGSTR:
            return luaS_hashlongstr(key.tsvalue());
        case LUA_TLIGHTUSERDATA: {
            let v = key.value;
            switch(typeof v) {
                case "string":
                    /* possible conflict with LUA_TSTRING.
                       prefix this string with "*" so they don't clash */
                    return "*" + v;
                case "number":
                    /* possible conflict with LUA_TNUMBER.
                       turn into string and prefix with "#" to avoid clash with other strings */
                    return "#" + v;
                case "boolean":
                    /* possible conflict with LUA_TBOOLEAN. use strings ?true and ?false instead */
                    return v?"?true":"?false";
                case "function":
                    /* possible conflict with LUA_TLCF.
                       indirect via a weakmap */
                    return get_lightuserdata_hash(v);
                case "object":
                    /* v could be a lua_State, CClosure, LClosure, Table or Userdata from this state as returned by lua_topointer */
                    if ((v instanceof lstate.lua_State && v.l_G === L.l_G) ||
                        v instanceof Table ||
                        v instanceof lobject.Udata ||
                        v instanceof lobject.LClosure ||
                        v instanceof lobject.CClosure) {
                        /* indirect via a weakmap */
                        return get_lightuserdata_hash(v);
                    }
                    /* fall through */
                default:
                    return v;
            }
        }
        default:
            throw new Error("unknown key type: " + key.type);
    }
};

/*
** redis-ts: the Lua 5.1 layout. Lookups go through the JS Map 'strong' (key hash -> entry);
** alongside it each table keeps the layout of Redis's Lua 5.1.5 (deps/lua/src/ltable.c): an
** array part (entries for the integer keys 1..sizearray) and a hash part of 2^lsizenode nodes
** (none: the dummy node) with each node's chain link and the 'lastfree' cursor. Only inserting a
** new key, rehash and traversal (luaH_next, luaH_getn) consult it, so pairs/next order and '#'
** are those of Lua 5.1 for every key it hashes by value (strings, numbers, booleans); keys it
** hashes by address (tables, functions, userdata, threads) get a per-object pseudo address.
**
** An entry is { key, value, hash (its Map key), ni (node index; -1 in the array part),
** hr (Lua 5.1 hash of the key), hm (true: 'hashmod' main position, else 'hashpow2') }.
** As in Lua 5.1 a key set to nil keeps its node (value nil) until a rehash drops it or a new
** key takes that node; an array slot set to nil is simply empty. Lua 5.1's collector would
** mark such a node's collectable key dead (lgc.c removeentry), after which setting the same
** string again takes a new node: not modelled, string keys behave as if no GC ran.
*/

const MAXBITS = 26;
const MAXASIZE = 1 << MAXBITS;

const EMPTY_NODES = Object.freeze([]);
const EMPTY_NEXT = new Int32Array(0);

class Table {
    constructor(L) {
        this.id = L.l_G.id_counter++;
        this.strong = new Map();
        this.sizearray = 0;
        this.array = [];           /* entries of keys 1..sizearray (undefined: nil) */
        this.node = EMPTY_NODES;   /* hash part (length 0: the dummy node) */
        this.nnext = EMPTY_NEXT;   /* chain link of each node (-1: none) */
        this.lastfree = 0;         /* all positions >= lastfree are in use */
        this.metatable = null;
        this.flags = ~0;
        this.readonly = false; /* redis-ts: Redis's Lua has read-only tables (globals, libraries) */
    }
}

const invalidateTMcache = function(t) {
    t.flags = 0;
};

/* Lua 5.1's luaS_newlstr hash as in Redis 7.0.15 (every byte, from the last), cached on the string */
const luaS_hash51 = function(ts) {
    let h = ts.hash51;
    if (h === void 0) {
        let str = ts.realstring;
        let l = str.length;
        h = l >>> 0;  /* seed */
        for (let l1 = l; l1 >= 1; l1--)
            h = (h ^ ((h << 5) + (h >>> 2) + str[l1 - 1])) >>> 0;
        ts.hash51 = h;
    }
    return h;
};

/* the two 32-bit words of a double, as ltable.c hashnum reads them (little-endian) */
const num_f64 = new Float64Array(1);
const num_u32 = new Uint32Array(num_f64.buffer);
const little_endian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/* pseudo addresses for the keys Lua 5.1 hashes by address */
let pointer_ids = new WeakMap();
let pointer_counter = 1;
const pointer_hash = function(v) {
    if (v !== null && typeof v === 'object' && typeof v.id === 'number')
        return (v.id * 40) >>> 0;
    if (v === null || (typeof v !== 'object' && typeof v !== 'function'))
        return 0;
    let id = pointer_ids.get(v);
    if (id === void 0) {
        id = pointer_counter++;
        pointer_ids.set(v, id);
    }
    return (id * 40) >>> 0;
};

/* Lua 5.1 ltable.c mainposition's hash of a key: sets entry.hr and entry.hm */
const sethash51 = function(e) {
    let key = e.key;
    switch (key.type) {
        case LUA_TNUMINT:
        case LUA_TNUMFLT: {  /* hashnum */
            let n = key.value;
            if (n === 0) {  /* avoid problems with -0 */
                e.hr = 0;
            } else {
                num_f64[0] = n;
                e.hr = little_endian ? (num_u32[0] + num_u32[1]) >>> 0 : (num_u32[1] + num_u32[0]) >>> 0;
            }
            e.hm = true;
            break;
        }
        case LUA_TSHRSTR:
        case LUA_TLNGSTR:  /* hashstr */
            e.hr = luaS_hash51(key.value);
            e.hm = false;
            break;
        case LUA_TBOOLEAN:  /* hashboolean */
            e.hr = key.value ? 1 : 0;
            e.hm = false;
            break;
        default:  /* hashpointer */
            e.hr = pointer_hash(key.value);
            e.hm = true;
    }
};

/* Lua 5.1 ltable.c mainposition (the table has a real hash part) */
const mainposition = function(t, e) {
    let size = t.node.length;
    return e.hm ? e.hr % ((size - 1) | 1) : e.hr & (size - 1);
};

/* Lua 5.1 ltable.c arrayindex: the key's integer value if it is a number with one, else -1 */
const arrayindex = function(key) {
    if (key.ttisnumber()) {
        let n = key.value;
        if (Number.isInteger(n) && n <= 0x7fffffff && n >= -0x80000000)
            return n;
    }
    return -1;
};

/* luaO_log2(x - 1) + 1 */
const ceillog2 = function(x) {
    return 32 - Math.clz32(x - 1);
};

/* Lua 5.1 ltable.c computesizes; returns [na, narray] */
const computesizes = function(nums, narray) {
    let a = 0;   /* number of elements smaller than 2^i */
    let na = 0;  /* number of elements to go to array part */
    let n = 0;   /* optimal size for array part */
    for (let i = 0, twotoi = 1; twotoi / 2 < narray; i++, twotoi *= 2) {
        if (nums[i] > 0) {
            a += nums[i];
            if (a > twotoi / 2) {  /* more than half elements present? */
                n = twotoi;  /* optimal size (till now) */
                na = a;  /* all elements smaller than n will go to array part */
            }
        }
        if (a === narray) break;  /* all elements already counted */
    }
    return [na, n];
};

const countint = function(key, nums) {
    let k = arrayindex(key);
    if (0 < k && k <= MAXASIZE) {  /* is 'key' an appropriate array index? */
        nums[ceillog2(k)]++;  /* count as such */
        return 1;
    }
    return 0;
};

const numusearray = function(t, nums) {
    let ause = 0;  /* summation of 'nums' */
    let i = 1;  /* count to traverse all array keys */
    for (let lg = 0, ttlg = 1; lg <= MAXBITS; lg++, ttlg *= 2) {  /* for each slice */
        let lc = 0;  /* counter */
        let lim = ttlg;
        if (lim > t.sizearray) {
            lim = t.sizearray;  /* adjust upper limit */
            if (i > lim)
                break;  /* no more elements to count */
        }
        /* count elements in range (2^(lg-1), 2^lg] */
        for (; i <= lim; i++) {
            if (t.array[i - 1] !== void 0)
                lc++;
        }
        nums[lg] += lc;
        ause += lc;
    }
    return ause;
};

const setnodevector = function(L, t, size) {
    if (size === 0) {  /* no elements to hash part? */
        t.node = EMPTY_NODES;  /* use common 'dummynode' */
        t.nnext = EMPTY_NEXT;
        t.lastfree = 0;
    } else {
        let lsize = ceillog2(size);
        if (lsize > MAXBITS)
            ldebug.luaG_runerror(L, to_luastring("table overflow", true));
        size = 1 << lsize;
        t.node = new Array(size).fill(void 0);
        t.nnext = new Int32Array(size).fill(-1);
        t.lastfree = size;  /* all positions are free */
    }
};

/*
** puts an entry whose key is not in the table in its place (luaH_set's part of Lua 5.1);
** false when that is an array slot and the value is nil (the slot stays empty)
*/
const place = function(L, t, e) {
    let k = arrayindex(e.key);
    if (0 < k && k <= t.sizearray) {
        if (e.value.ttisnil()) return false;
        e.ni = -1;
        t.array[k - 1] = e;
        return true;
    } else {
        return newkey(L, t, e);
    }
};

/* Lua 5.1 ltable.c resize: array shrink and the old hash part re-inserted, last node first */
const resize = function(L, t, nasize, nhsize) {
    let oldasize = t.sizearray;
    let nold = t.node;
    if (nasize > oldasize) {  /* array part must grow? */
        for (let i = oldasize; i < nasize; i++) t.array.push(void 0);
        t.sizearray = nasize;
    }
    setnodevector(L, t, nhsize);  /* create new hash part with appropriate size */
    if (nasize < oldasize) {  /* array part must shrink? */
        t.sizearray = nasize;
        let old = t.array;
        t.array = old.slice(0, nasize);
        /* re-insert elements from vanishing slice */
        for (let i = nasize; i < oldasize; i++) {
            if (old[i] !== void 0) {
                sethash51(old[i]);
                newkey(L, t, old[i]);
            }
        }
    }
    /* re-insert elements from hash part */
    for (let i = nold.length - 1; i >= 0; i--) {
        let old = nold[i];
        if (old !== void 0) {
            if (old.value.ttisnil()) {
                old.ni = -2;
                t.strong.delete(old.hash);  /* the key leaves the table */
            } else {
                place(L, t, old);
            }
        }
    }
};

const luaH_resizearray = function(L, t, nasize) {
    resize(L, t, nasize, t.node.length);
};

/* Lua 5.1 ltable.c rehash; 'ek' is the key being inserted */
const rehash = function(L, t, ek) {
    let nums = new Array(MAXBITS + 1).fill(0);  /* nums[i] = number of keys between 2^(i-1) and 2^i */
    let nasize = numusearray(t, nums);  /* count keys in array part */
    let totaluse = nasize;  /* all those keys are integer keys */
    /* numusehash: count keys in hash part */
    let node = t.node;
    for (let i = node.length - 1; i >= 0; i--) {
        let e = node[i];
        if (e !== void 0 && !e.value.ttisnil()) {
            nasize += countint(e.key, nums);
            totaluse++;
        }
    }
    /* count extra key */
    nasize += countint(ek, nums);
    totaluse++;
    /* compute new size for array part */
    let [na, narray] = computesizes(nums, nasize);
    /* resize the table to new computed sizes */
    resize(L, t, narray, totaluse - na);
};

const getfreepos = function(t) {
    while (t.lastfree > 0) {
        t.lastfree--;
        if (t.node[t.lastfree] === void 0)
            return t.lastfree;
    }
    return -1;  /* could not find a free place */
};

/*
** Lua 5.1 ltable.c newkey: inserts a new key into the hash part; first, check whether key's
** main position is free. If not, check whether colliding node is in its main position or not:
** if it is not, move colliding node to an empty place and put new key in its main position;
** otherwise (colliding node is in its main position), new key goes to an empty position.
*/
const newkey = function(L, t, e) {
    if (t.node.length === 0) {  /* the dummy node: no free place */
        rehash(L, t, e.key);  /* grow table */
        return place(L, t, e);  /* re-insert key into grown table */
    }
    let mp = mainposition(t, e);
    let mpe = t.node[mp];
    if (mpe !== void 0) {
        if (!mpe.value.ttisnil()) {
            let n = getfreepos(t);  /* get a free place */
            if (n < 0) {  /* cannot find a free place? */
                rehash(L, t, e.key);  /* grow table */
                return place(L, t, e);  /* re-insert key into grown table */
            }
            let othern = mainposition(t, mpe);
            if (othern !== mp) {  /* is colliding node out of its main position? */
                /* yes; move colliding node into free position */
                while (t.nnext[othern] !== mp) othern = t.nnext[othern];  /* find previous */
                t.nnext[othern] = n;  /* redo the chain with 'n' in place of 'mp' */
                t.node[n] = mpe;  /* copy colliding node into free pos. (mp->next also goes) */
                mpe.ni = n;
                t.nnext[n] = t.nnext[mp];
                t.nnext[mp] = -1;  /* now 'mp' is free */
            } else {  /* colliding node is in its own main position */
                /* new node will go into free position */
                t.nnext[n] = t.nnext[mp];  /* chain new position */
                t.nnext[mp] = n;
                mp = n;
            }
        } else {
            /* a key whose value is nil: the new key takes its node, it leaves the table */
            mpe.ni = -2;
            t.strong.delete(mpe.hash);
        }
    }
    e.ni = mp;
    t.node[mp] = e;
    return true;
};

const luaH_new = function(L, narray, nhash) {
    let t = new Table(L);
    if (narray > 0) {
        t.array = new Array(narray).fill(void 0);
        t.sizearray = narray;
    }
    if (nhash > 0)
        setnodevector(L, t, nhash);
    return t;
};

const getgeneric = function(t, hash) {
    let v = t.strong.get(hash);
    return v ? v.value : lobject.luaO_nilobject;
};

const luaH_getint = function(t, key) {
    lua_assert(typeof key == "number" && (key|0) === key);
    return getgeneric(t, key);
};

const luaH_getstr = function(t, key) {
    lua_assert(key instanceof TString);
    return getgeneric(t, luaS_hashlongstr(key));
};

const luaH_get = function(L, t, key) {
    lua_assert(key instanceof lobject.TValue);
    if (key.ttisnil() || (key.ttisfloat() && isNaN(key.value)))
        return lobject.luaO_nilobject;
    return getgeneric(t, table_hash(L, key));
};

/* sets a key that has no entry yet: Lua 5.1's luaH_set/luaH_setnum + newkey, even for a nil value */
const add = function(L, t, hash, k, value) {
    let a = arrayindex(k);
    if (0 < a && a <= t.sizearray) {  /* array part: a nil value leaves the slot empty */
        if (value.ttisnil()) return;
        let e = { key: k, value: new lobject.TValue(value.type, value.value), hash: hash, ni: -1, hr: 0, hm: false };
        t.array[a - 1] = e;
        t.strong.set(hash, e);
        return;
    }
    let e = { key: k, value: new lobject.TValue(value.type, value.value), hash: hash, ni: -1, hr: 0, hm: false };
    sethash51(e);
    if (newkey(L, t, e))
        t.strong.set(hash, e);
};

/* an existing entry gets a new value */
const update = function(t, e, value) {
    if (value.ttisnil() && e.ni === -1) {  /* an array slot becomes empty */
        t.array[arrayindex(e.key) - 1] = void 0;
        t.strong.delete(e.hash);
        e.ni = -2;
    }
    e.value.setfrom(value);
};

const luaH_setint = function(t, key, value) {
    lua_assert(typeof key == "number" && (key|0) === key && value instanceof lobject.TValue);
    let hash = key; /* table_hash known result */
    let e = t.strong.get(hash);
    if (e) {
        update(t, e, value);
    } else {
        add(null, t, hash, new lobject.TValue(LUA_TNUMINT, key), value);
    }
};

const luaH_setfrom = function(L, t, key, value) {
    lua_assert(key instanceof lobject.TValue);
    let hash = table_hash(L, key);
    let e = t.strong.get(hash);
    if (e) {
        update(t, e, value);
    } else {
        let k;
        let kv = key.value;
        /* does index fit in an integer? (redis-ts: a -0 key stays -0, as Lua 5.1 keeps the number it got) */
        if ((key.ttisfloat() && (kv|0) === kv && !Object.is(kv, -0))) {
            /* insert it as an integer */
            k = new lobject.TValue(LUA_TNUMINT, kv);
        } else {
            k = new lobject.TValue(key.type, kv);
        }
        add(L, t, hash, k, value);
    }
};

/* Lua 5.1 ltable.c unbound_search */
const unbound_search = function(t, j) {
    let i = j;  /* i is zero or a present index */
    j++;
    /* find 'i' and 'j' such that i is present and j is not */
    while (!luaH_getint(t, j).ttisnil()) {
        i = j;
        j *= 2;
        if (j > 0x7fffffff) {  /* overflow? */
            /* table was built with bad purposes: resort to linear search */
            i = 1;
            while (!luaH_getint(t, i).ttisnil()) i++;
            return i - 1;
        }
    }
    /* now do a binary search between them */
    while (j - i > 1) {
        let m = Math.floor((i + j) / 2);
        if (luaH_getint(t, m).ttisnil()) j = m;
        else i = m;
    }
    return i;
};

/*
** Lua 5.1 ltable.c luaH_getn: try to find a boundary in table 't'. A 'boundary' is an integer
** index such that t[i] is non-nil and t[i+1] is nil (and 0 if t[1] is nil).
*/
const luaH_getn = function(t) {
    let j = t.sizearray;
    if (j > 0 && t.array[j - 1] === void 0) {
        /* there is a boundary in the array part: (binary) search for it */
        let i = 0;
        while (j - i > 1) {
            let m = Math.floor((i + j) / 2);
            if (t.array[m - 1] === void 0) j = m;
            else i = m;
        }
        return i;
    }
    /* else must find a boundary in hash part */
    else if (t.node.length === 0)  /* hash part is empty? */
        return j;  /* that is easy... */
    else return unbound_search(t, j);
};

/* Lua 5.1 ltable.c findindex: array slots first, then nodes; -1 starts a traversal */
const findindex = function(L, t, key) {
    if (key.ttisnil()) return -1;  /* first iteration */
    let i = arrayindex(key);
    if (0 < i && i <= t.sizearray)  /* is 'key' inside array part? */
        return i - 1;  /* yes; that's the index (corrected to C) */
    let e = (key.ttisfloat() && isNaN(key.value)) ? void 0 : t.strong.get(table_hash(L, key));
    if (e === void 0 || e.ni < 0)
        return ldebug.luaG_runerror(L, to_luastring("invalid key to 'next'"));  /* key not found */
    /* hash elements are numbered after array ones */
    return e.ni + t.sizearray;
};

/* Lua 5.1 ltable.c luaH_next */
const luaH_next = function(L, table, keyI) {
    let i = findindex(L, table, L.stack[keyI]);  /* find original element */
    let sizearray = table.sizearray;
    for (i++; i < sizearray; i++) {  /* try first array part */
        let e = table.array[i];
        if (e !== void 0) {  /* a non-nil value? */
            lobject.setobj2s(L, keyI, e.key);
            lobject.setobj2s(L, keyI+1, e.value);
            return true;
        }
    }
    let node = table.node;
    for (i -= sizearray; i < node.length; i++) {  /* then hash part */
        let e = node[i];
        if (e !== void 0 && !e.value.ttisnil()) {  /* a non-nil value? */
            lobject.setobj2s(L, keyI, e.key);
            lobject.setobj2s(L, keyI+1, e.value);
            return true;
        }
    }
    return false;  /* no more elements */
};

module.exports.invalidateTMcache = invalidateTMcache;
module.exports.luaH_get     = luaH_get;
module.exports.luaH_getint  = luaH_getint;
module.exports.luaH_getn    = luaH_getn;
module.exports.luaH_getstr  = luaH_getstr;
module.exports.luaH_setfrom = luaH_setfrom;
module.exports.luaH_setint  = luaH_setint;
module.exports.luaH_new     = luaH_new;
module.exports.luaH_resizearray = luaH_resizearray;
module.exports.luaH_next    = luaH_next;
module.exports.Table        = Table;
