// Keys and channels of a command as Redis's ACL sees them: key specs (begin_search + find_keys,
// with their RO/RW/OW/RM and ACCESS/INSERT/DELETE/UPDATE flags) from the generated command
// metadata, the same specs COMMAND INFO reports. A spec Redis marks incomplete or unknown (SORT,
// MIGRATE's KEYS) falls back to the node's own key positions (its getkeys procedure).
import {keyIndexes as nodeKeyIndexes, type CommandSpec} from '../commands/types.js'
import {COMMAND_META, type KeySpecRow} from './command-meta.js'

export const KEY_ACCESS = 1
export const KEY_WRITE = 2 // INSERT, DELETE or UPDATE: needs a %W~ pattern

export interface KeyRef {
  pos: number
  /** KEY_ACCESS | KEY_WRITE */
  perm: number
}

interface CompiledSpec {
  perm: number
  incomplete: boolean
  /** begin_search: index, or keyword + startfrom; null = unknown */
  index?: number
  keyword?: string
  startfrom?: number
  /** find_keys: range (lastkey, step, limit) or keynum (keynumidx, firstkey, step); null = unknown */
  range?: [number, number, number]
  keynum?: [number, number, number]
}

const compiled = new Map<string, CompiledSpec[] | null>()

function compile(rows: KeySpecRow[]): CompiledSpec[] {
  // redis GET_KEYSPEC_DEFAULT leaves out NOT_KEY specs (SPUBLISH's and SSUBSCRIBE's shard
  // channels): the ACL checks those as channels, never as keys.
  return rows.filter((r) => !String(r[0]).split(' ').includes('not_key')).map((r) => {
    const flags = String(r[0]).split(' ')
    let perm = 0
    if (flags.includes('access')) perm |= KEY_ACCESS
    if (flags.includes('insert') || flags.includes('delete') || flags.includes('update')) perm |= KEY_WRITE
    const out: CompiledSpec = {perm, incomplete: flags.includes('incomplete')}
    let i = 1
    if (r[i] === 'i') {
      out.index = Number(r[i + 1])
      i += 2
    } else if (r[i] === 'k') {
      out.keyword = String(r[i + 1])
      out.startfrom = Number(r[i + 2])
      i += 3
    } else {
      out.incomplete = true
      i += 1
    }
    if (r[i] === 'r') out.range = [Number(r[i + 1]), Number(r[i + 2]), Number(r[i + 3])]
    else if (r[i] === 'n') out.keynum = [Number(r[i + 1]), Number(r[i + 2]), Number(r[i + 3])]
    else out.incomplete = true
    return out
  })
}

function specsFor(fullname: string): CompiledSpec[] | null {
  let c = compiled.get(fullname)
  if (c === undefined) {
    const meta = COMMAND_META[fullname]
    c = meta ? compile(meta[1]) : null
    compiled.set(fullname, c)
  }
  return c
}

/** redis getKeysUsingKeySpecs for one spec; pushes into out, returns false when the spec is unusable. */
function applySpec(ks: CompiledSpec, argv: string[], out: KeyRef[]): boolean {
  const argc = argv.length
  let first: number
  if (ks.index !== undefined) first = ks.index
  else if (ks.keyword !== undefined) {
    const start = ks.startfrom!
    const from = start > 0 ? start : argc + start
    const to = start > 0 ? argc - 1 : 0
    const step = start > 0 ? 1 : -1
    first = 0
    const kw = ks.keyword.toLowerCase()
    for (let i = from; step > 0 ? i <= to : i >= to; i += step) {
      if (i <= 0 || i >= argc) break
      if (argv[i].toLowerCase() === kw) {
        first = i + 1
        break
      }
    }
    if (first === 0) return true // keyword absent: no keys from this spec
  } else return false
  let last: number
  let step: number
  if (ks.range) {
    const [lastkey, keystep, limit] = ks.range
    step = keystep
    if (lastkey >= 0) last = first + lastkey
    else if (limit <= 1) last = argc + lastkey
    else last = first + Math.floor((argc - first) / limit) + lastkey
  } else if (ks.keynum) {
    const [keynumidx, firstkey, keystep] = ks.keynum
    const n = Number(argv[first + keynumidx])
    if (!Number.isInteger(n) || n < 0) return true
    first = first + firstkey
    step = keystep
    last = first + (n - 1) * keystep
  } else return false
  // out of bounds: a syntax error the command reports; as a spec it is invalid
  if (last >= argc || last < first || first >= argc) return false
  for (let i = first; i <= last && i < argc; i += step || 1) out.push({pos: i, perm: ks.perm})
  return true
}


/** Keys of argv (argv[0] the command) with the access each needs; null when the command has none. */
export function aclKeys(spec: CommandSpec, fullname: string, argv: string[]): KeyRef[] {
  const specs = specsFor(fullname)
  const out: KeyRef[] = []
  if (specs !== null && specs.length !== 0 && !specs.some((s) => s.incomplete)) {
    // redis getKeysFromCommandWithSpecs: an invalid spec sends it to the command's getkeys procedure
    if (specs.every((ks) => applySpec(ks, argv, out))) {
      if (fullname === 'set' || fullname === 'bitfield') for (const k of out) k.perm = variablePerm(fullname, argv)
      return out
    }
    out.length = 0
  }
  // redis sortGetKeys: the sorted key is read, the STORE key only written.
  if (fullname === 'sort' || fullname === 'sort_ro') {
    let idx: number[]
    try {
      idx = nodeKeyIndexes(spec, argv)
    } catch {
      idx = [1]
    }
    return idx.map((pos) => ({pos, perm: pos === 1 ? KEY_ACCESS : KEY_WRITE}))
  }
  // Movable keys Redis finds with a command-specific procedure: use the node's positions; the
  // access is the union of the command's specs.
  let perm = 0
  if (specs) for (const s of specs) perm |= s.perm
  if (perm === 0) perm = spec.flags.includes('write') ? KEY_ACCESS | KEY_WRITE : KEY_ACCESS
  let idx: number[]
  try {
    idx = nodeKeyIndexes(spec, argv)
  } catch {
    idx = []
  }
  for (const i of idx) out.push({pos: i, perm})
  return out
}

/** Key specs with variable_flags (redis setGetKeys, bitfieldGetKeys): the arguments decide. */
function variablePerm(fullname: string, argv: string[]): number {
  if (fullname === 'set') {
    // SET without GET only overwrites (OW update); with GET it also reads (RW access update).
    for (let i = 3; i < argv.length; i++) if (argv[i].toLowerCase() === 'get') return KEY_ACCESS | KEY_WRITE
    return KEY_WRITE
  }
  // BITFIELD with only GET operations is a read (RO access).
  for (let i = 2; i < argv.length; i++) {
    const op = argv[i].toLowerCase()
    if (op === 'set' || op === 'incrby') return KEY_ACCESS | KEY_WRITE
  }
  return KEY_ACCESS
}

export function commandHasKeys(spec: CommandSpec, fullname: string): boolean {
  const specs = specsFor(fullname)
  if (specs !== null) return specs.length !== 0
  return spec.firstKey > 0 || spec.keys !== undefined
}

export interface ChannelRef {
  pos: number
  pattern: boolean
}

/** redis getChannelsFromCommand, for the channels ACL checks (publish and subscribe). */
export function aclChannels(fullname: string, argv: string[]): ChannelRef[] | null {
  switch (fullname) {
    case 'publish':
    case 'spublish':
      return argv.length > 1 ? [{pos: 1, pattern: false}] : []
    case 'subscribe':
    case 'ssubscribe':
    case 'psubscribe': {
      const out: ChannelRef[] = []
      for (let i = 1; i < argv.length; i++) out.push({pos: i, pattern: fullname === 'psubscribe'})
      return out
    }
    default:
      return null
  }
}
