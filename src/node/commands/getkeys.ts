// COMMAND GETKEYS / GETKEYSANDFLAGS as redis 7.0 answers them (server.c getKeysSubcommandImpl,
// db.c getKeysFromCommandWithSpecs): the command's key specs first (from the generated command
// metadata), and when a spec is incomplete, unknown or out of range, or the flags depend on the
// arguments, the command's own key procedure (sortGetKeys, evalGetKeys, ...). Each key comes with
// the flags Redis reports for it (RO/RW/OW/RM, access/update/insert/delete).
import {COMMAND_META, type KeySpecRow} from '../acl/command-meta.js'
import type {CommandContext, CommandSpec} from './types.js'

export interface FlaggedKey {
  pos: number
  flags: string[]
}

interface Spec {
  flags: string[]
  begin: {index: number} | {keyword: string; startfrom: number} | null
  find: {range: [number, number, number]} | {keynum: [number, number, number]} | null
}

const compiled = new Map<string, Spec[]>()

function specsOf(fullname: string): Spec[] | undefined {
  const meta = COMMAND_META[fullname]
  if (meta === undefined) return undefined
  let c = compiled.get(fullname)
  if (c === undefined) compiled.set(fullname, (c = meta[1].map(compile)))
  return c
}

function compile(r: KeySpecRow): Spec {
  const spec: Spec = {flags: String(r[0]).split(' ').filter(Boolean), begin: null, find: null}
  let i = 1
  if (r[i] === 'i') (spec.begin = {index: Number(r[i + 1])}), (i += 2)
  else if (r[i] === 'k') (spec.begin = {keyword: String(r[i + 1]), startfrom: Number(r[i + 2])}), (i += 3)
  else i += 1
  if (r[i] === 'r') spec.find = {range: [Number(r[i + 1]), Number(r[i + 2]), Number(r[i + 3])]}
  else if (r[i] === 'n') spec.find = {keynum: [Number(r[i + 1]), Number(r[i + 2]), Number(r[i + 3])]}
  return spec
}

const INT64 = /^-?(0|[1-9]\d*)$/

/** getKeysUsingKeySpecs: the keys of every spec, or null when one is unusable (-1 in redis). */
function keysFromSpecs(specs: Spec[], argv: string[]): FlaggedKey[] | null {
  const argc = argv.length
  const out: FlaggedKey[] = []
  for (const spec of specs) {
    if (spec.flags.includes('not_key')) continue
    let first = 0
    if (spec.begin === null) return null
    if ('index' in spec.begin) first = spec.begin.index
    else {
      const {keyword, startfrom} = spec.begin
      const start = startfrom > 0 ? startfrom : argc + startfrom
      const end = startfrom > 0 ? argc - 1 : 1
      for (let i = start; i !== end; i = start <= end ? i + 1 : i - 1) {
        if (i >= argc || i < 1) break
        if (argv[i].toLowerCase() === keyword.toLowerCase()) {
          first = i + 1
          break
        }
      }
      if (first === 0) continue // keyword absent: this spec has no keys
    }
    let last: number
    let step: number
    if (spec.find === null) return null
    if ('range' in spec.find) {
      const [lastkey, keystep, limit] = spec.find.range
      step = keystep
      if (lastkey >= 0) last = first + lastkey
      else if (limit === 0) last = argc + lastkey
      else last = first + Math.trunc((argc - first) / limit) + lastkey
    } else {
      const [keynumidx, firstkey, keystep] = spec.find.keynum
      step = keystep
      if (keynumidx >= argc || first + keynumidx >= argc) return null
      const raw = argv[first + keynumidx]
      if (!INT64.test(raw) || Number(raw) < 0) return null
      first += firstkey
      last = first + Number(raw) - 1
    }
    if (last >= argc || last < first || first >= argc) return null
    for (let i = first; i <= last; i += step || 1) out.push({pos: i, flags: spec.flags})
    if (spec.flags.includes('incomplete')) return null
  }
  return out
}

/** C atoi: optional sign and leading digits, 0 when there are none. */
function atoi(s: string): number {
  const m = /^\s*([+-]?\d+)/.exec(s)
  return m ? Number(m[1]) : 0
}

/** genericGetKeys: a key count at countOfs, keys from firstOfs, the store key (if any) last. */
function generic(storeOfs: number, countOfs: number, firstOfs: number, argv: string[]): FlaggedKey[] {
  const num = countOfs < argv.length ? atoi(argv[countOfs]) : 0
  if (num < 1 || num > argv.length - firstOfs) return []
  const out: FlaggedKey[] = []
  for (let i = 0; i < num; i++) out.push({pos: firstOfs + i, flags: []})
  if (storeOfs) out.push({pos: storeOfs, flags: []})
  return out
}

const RO_ACCESS = ['RO', 'access']
const RW_ACCESS_UPDATE = ['RW', 'access', 'update']

function sortKeys(argv: string[]): FlaggedKey[] {
  const out: FlaggedKey[] = [{pos: 1, flags: RO_ACCESS}]
  const skip: Record<string, number> = {limit: 2, get: 1, by: 1}
  let store: FlaggedKey | null = null
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i].toLowerCase()
    if (a in skip) i += skip[a]
    else if (a === 'store' && i + 1 < argv.length) store = {pos: i + 1, flags: ['OW', 'update']}
  }
  if (store) out.push(store)
  return out
}

function migrateKeys(argv: string[]): FlaggedKey[] {
  let first = 3
  let num = 1
  const skip: Record<string, number> = {copy: 0, replace: 0, auth: 1, auth2: 2}
  for (let i = 6; i < argv.length; i++) {
    const a = argv[i].toLowerCase()
    if (a === 'keys') {
      if (argv[3].length > 0) num = 0
      else (first = i + 1), (num = argv.length - first)
      break
    }
    if (a in skip) i += skip[a]
  }
  const out: FlaggedKey[] = []
  for (let i = 0; i < num; i++) out.push({pos: first + i, flags: ['RW', 'access', 'delete']})
  return out
}

function georadiusKeys(argv: string[]): FlaggedKey[] {
  const out: FlaggedKey[] = [{pos: 1, flags: []}]
  let stored = -1
  for (let i = 5; i < argv.length; i++) {
    const a = argv[i].toLowerCase()
    if ((a === 'store' || a === 'storedist') && i + 1 < argv.length) (stored = i + 1), i++
  }
  if (stored !== -1) out.push({pos: stored, flags: []})
  return out
}

function xreadKeys(argv: string[]): FlaggedKey[] {
  let streams = -1
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i].toLowerCase()
    if (a === 'block' || a === 'count') i++
    else if (a === 'group') i += 2
    else if (a === 'noack') continue
    else {
      if (a === 'streams') streams = i
      break
    }
  }
  const num = streams === -1 ? 0 : argv.length - streams - 1
  if (num === 0 || num % 2 !== 0) return []
  const out: FlaggedKey[] = []
  for (let i = streams + 1; i < argv.length - num / 2; i++) out.push({pos: i, flags: []})
  return out
}

function setKeys(argv: string[]): FlaggedKey[] {
  for (let i = 3; i < argv.length; i++) if (argv[i].toLowerCase() === 'get') return [{pos: 1, flags: RW_ACCESS_UPDATE}]
  return [{pos: 1, flags: ['OW', 'update']}]
}

function bitfieldKeys(argv: string[]): FlaggedKey[] {
  let readonly = true
  for (let i = 2; i < argv.length; i++) {
    const rem = argv.length - i - 1
    const a = argv[i].toLowerCase()
    if (a === 'get' && rem >= 2) i += 2
    else if ((a === 'set' || a === 'incrby') && rem >= 3) {
      readonly = false
      break
    } else if (a === 'overflow' && rem >= 1) i += 1
    else {
      readonly = false // a syntax error: assume a write, like redis
      break
    }
  }
  return [{pos: 1, flags: readonly ? RO_ACCESS : RW_ACCESS_UPDATE}]
}

/** The commands with a key procedure in redis 7.0 (their commands/*.json get_keys_function). */
const PROCS: Record<string, (argv: string[]) => FlaggedKey[]> = {
  sintercard: (a) => generic(0, 1, 2, a),
  zintercard: (a) => generic(0, 1, 2, a),
  zunionstore: (a) => generic(1, 2, 3, a),
  zinterstore: (a) => generic(1, 2, 3, a),
  zdiffstore: (a) => generic(1, 2, 3, a),
  zunion: (a) => generic(0, 1, 2, a),
  zinter: (a) => generic(0, 1, 2, a),
  zdiff: (a) => generic(0, 1, 2, a),
  eval: (a) => generic(0, 2, 3, a),
  evalsha: (a) => generic(0, 2, 3, a),
  eval_ro: (a) => generic(0, 2, 3, a),
  evalsha_ro: (a) => generic(0, 2, 3, a),
  fcall: (a) => generic(0, 2, 3, a),
  fcall_ro: (a) => generic(0, 2, 3, a),
  lmpop: (a) => generic(0, 1, 2, a),
  zmpop: (a) => generic(0, 1, 2, a),
  blmpop: (a) => generic(0, 2, 3, a),
  bzmpop: (a) => generic(0, 2, 3, a),
  sort: sortKeys,
  sort_ro: () => [{pos: 1, flags: RO_ACCESS}],
  migrate: migrateKeys,
  georadius: georadiusKeys,
  georadiusbymember: georadiusKeys,
  xread: xreadKeys,
  xreadgroup: xreadKeys,
  set: setKeys,
  bitfield: bitfieldKeys,
}
/** CMD_NO_MANDATORY_KEYS: no keys is a valid answer (scripts that touch no key). */
const NO_MANDATORY_KEYS = new Set(['eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro'])

/** The node's own key positions for a command redis has no metadata for. */
function nodeKeys(spec: CommandSpec, argv: string[]): FlaggedKey[] {
  let idx: number[] = []
  if (spec.keys) {
    try {
      idx = spec.keys(argv)
    } catch {
      idx = []
    }
  } else if (spec.firstKey > 0) {
    const last = spec.lastKey < 0 ? argv.length + spec.lastKey : spec.lastKey
    for (let i = spec.firstKey; i <= last && i < argv.length; i += spec.step || 1) idx.push(i)
  }
  return idx.map((pos) => ({pos, flags: []}))
}

/** getKeysFromCommandWithSpecs; empty when redis finds no usable keys. */
export function keysWithFlags(spec: CommandSpec, fullname: string, argv: string[]): FlaggedKey[] {
  const specs = specsOf(fullname)
  if (specs === undefined) return nodeKeys(spec, argv)
  const hasSpec = specs.some((s) => !s.flags.includes('not_key'))
  const varFlags = specs.some((s) => s.flags.includes('variable_flags'))
  if (hasSpec && !varFlags) {
    const keys = keysFromSpecs(specs, argv)
    if (keys !== null) return keys
  }
  const proc = PROCS[fullname]
  return proc ? proc(argv) : []
}

function hasKeys(spec: CommandSpec, fullname: string): boolean {
  const specs = specsOf(fullname)
  if (specs === undefined) return spec.firstKey > 0 || spec.keys !== undefined
  return fullname in PROCS || specs.some((s) => !s.flags.includes('not_key'))
}

/** COMMAND GETKEYS / GETKEYSANDFLAGS <command> [arg ...] */
export function getkeysCommand(withFlags: boolean) {
  return (ctx: CommandContext, argv: string[]): void => {
    const target = argv.slice(2)
    // lookupCommand: a container command with arguments names one of its subcommands
    const top = ctx.server.commands.lookup(target[0])
    let spec = top
    let fullname = top?.name ?? ''
    if (top?.subcommands && target.length > 1) {
      spec = ctx.server.commands.lookupSub(top, target[1])
      fullname = `${top.name}|${spec?.name}`
    }
    if (!spec) return ctx.reply.error('ERR Invalid command specified')
    if (!hasKeys(spec, fullname)) return ctx.reply.error('ERR The command has no key arguments')
    if ((spec.arity > 0 && target.length !== spec.arity) || target.length < -spec.arity) return ctx.reply.error('ERR Invalid number of arguments specified for command')
    const keys = keysWithFlags(spec, fullname, target)
    if (keys.length === 0) {
      if (NO_MANDATORY_KEYS.has(fullname)) return ctx.reply.array(0)
      return ctx.reply.error('ERR Invalid arguments specified for command')
    }
    ctx.reply.array(keys.length)
    for (const k of keys) {
      if (!withFlags) {
        ctx.reply.bulk(target[k.pos])
        continue
      }
      ctx.reply.array(2)
      ctx.reply.bulk(target[k.pos])
      const flags = k.flags.filter((f) => FLAG_ORDER.includes(f)).sort((a, b) => FLAG_ORDER.indexOf(a) - FLAG_ORDER.indexOf(b))
      ctx.reply.set(flags.length)
      for (const f of flags) ctx.reply.simple(f)
    }
  }
}

/** addReplyFlagsForKeyArgs order */
const FLAG_ORDER = ['RO', 'RW', 'OW', 'RM', 'access', 'update', 'insert', 'delete', 'not_key', 'incomplete', 'variable_flags']
