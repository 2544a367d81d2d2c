// The set of commands ACL rules speak about: Redis 7.0's whole command table (from the generated
// metadata, so `+xadd` or `+@geo` mean what they mean on redis-server) plus anything the node
// registers that Redis lacks. Each command has its ACL categories; subcommands are named
// "container|sub" and belong to their container.
import type {CommandTable} from '../commands/index.js'
import type {CommandSpec} from '../commands/types.js'
import {COMMAND_META} from './command-meta.js'

/** Redis's ACLCommandCategories, in its order (ACL CAT, GETUSER's best-fit search). */
export const CATEGORIES = [
  'keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap', 'hyperloglog', 'geo', 'stream',
  'pubsub', 'admin', 'fast', 'slow', 'blocking', 'dangerous', 'connection', 'transaction', 'scripting',
] as const

export interface AclCommand {
  fullname: string
  /** set for subcommands */
  parent?: AclCommand
  subs: AclCommand[]
  categories: Set<string>
}

export class CommandUniverse {
  readonly byName = new Map<string, AclCommand>()
  /** top-level commands, in a stable order */
  readonly top: AclCommand[] = []
  private builtFor = -1

  constructor(private readonly table: CommandTable) {}

  /** Rebuilt when the node's table changed (cluster or scripting registering commands). */
  refresh(): this {
    if (this.builtFor === this.table.version) return this
    this.builtFor = this.table.version
    this.byName.clear()
    this.top.length = 0
    if (!this.table.ownAclUniverse) for (const [name, [cats]] of Object.entries(COMMAND_META)) this.add(name, cats.split(' '))
    for (const spec of this.table.all()) {
      if (!this.byName.has(spec.name)) this.add(spec.name, nodeCategories(spec))
      for (const sub of spec.subcommands ?? []) {
        const full = `${spec.name}|${sub.name}`
        if (!this.byName.has(full)) this.add(full, nodeCategories(sub))
      }
    }
    return this
  }

  private add(fullname: string, cats: string[]): void {
    const bar = fullname.indexOf('|')
    const c: AclCommand = {fullname, subs: [], categories: new Set(cats.map((x) => (x.startsWith('@') ? x.slice(1) : x)))}
    if (bar > 0) {
      let parent = this.byName.get(fullname.slice(0, bar))
      if (parent === undefined) {
        this.add(fullname.slice(0, bar), [])
        parent = this.byName.get(fullname.slice(0, bar))!
      }
      c.parent = parent
      parent.subs.push(c)
    } else this.top.push(c)
    this.byName.set(fullname, c)
  }

  get(name: string): AclCommand | undefined {
    return this.refresh().byName.get(name.toLowerCase())
  }

  /** Every command and subcommand (containers before their subcommands). */
  *all(): Generator<AclCommand> {
    this.refresh()
    for (const c of this.top) {
      yield c
      for (const s of c.subs) yield s
    }
  }
}

/** Categories for a command Redis does not have: what the node's table declares. */
function nodeCategories(spec: CommandSpec): string[] {
  if (spec.categories) return spec.categories
  const out: string[] = []
  if (spec.flags.includes('write')) out.push('write')
  if (spec.flags.includes('readonly')) out.push('read')
  if (spec.flags.includes('admin')) out.push('admin', 'dangerous')
  if (spec.flags.includes('pubsub')) out.push('pubsub')
  if (spec.flags.includes('blocking')) out.push('blocking')
  out.push(spec.flags.includes('fast') ? 'fast' : 'slow')
  return out
}

/** Redis's categories of a command, "@read @string @fast" style, or undefined when Redis lacks it. */
export function redisCategories(fullname: string): string[] | undefined {
  const m = COMMAND_META[fullname]
  return m ? m[0].split(' ').map((c) => '@' + c) : undefined
}
