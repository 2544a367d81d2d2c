// The command table: collects every group's registration table. To add a group, create
// src/node/commands/<group>.ts exporting `commands: CommandSpec[]` and list it in GROUPS.
// Runtime modules (cluster, persistence, replication) call server.commands.register().
import type {CommandSpec} from './types.js'
import {redisCategories} from '../acl/universe.js'
import {commands as connection} from './connection.js'
import {commands as strings} from './strings.js'
import {commands as keys} from './keys.js'
import {commands as transactions} from './transactions.js'
import {commands as pubsub} from './pubsub.js'
import {commands as server} from './server.js'
import {commands as introspection} from './introspection.js'
import {commands as hashes} from './hashes.js'
import {commands as lists} from './lists.js'
import {commands as listsBlocking} from './lists-blocking.js'
import {commands as sets} from './sets.js'
import {commands as zsets} from './zsets.js'
import {commands as bitmaps} from './bitmaps.js'
import {commands as hyperloglog} from './hyperloglog.js'
import {commands as geo} from './geo.js'
import {commands as sort} from './sort.js'
import {commands as migrate} from './migrate.js'
import {commands as persistence} from './persistence.js'
import {commands as dbs} from './dbs.js'
import {commands as lcs} from './lcs.js'
import {commands as module} from './module.js'
import {aclCommand} from '../acl/commands.js'
import {commands as streams} from './streams.js'
import {commands as streamsRead} from './streams-read.js'
import {commands as streamsGroups} from './streams-groups.js'

import {commands as observe} from './observe.js'
import {commands as lolwut} from './lolwut.js'

export const GROUPS: Record<string, CommandSpec[]> = {connection, strings, keys, transactions, pubsub, server, introspection, hashes, lists, listsBlocking, sets, zsets, migrate, persistence, acl: [aclCommand], streams, streamsRead, streamsGroups, observe}

// SWAPDB, LCS, MODULE (their own statement, so parallel edits of GROUPS merge).
Object.assign(GROUPS, {dbs, lcs, module})
// Bitmap, HyperLogLog, GEO and SORT groups (their own statement, so parallel edits of GROUPS merge).
Object.assign(GROUPS, {bitmaps, hyperloglog, geo, sort})
// LOLWUT (CLUSTER of a standalone node: standaloneClusterCommands, registered by startNode).
Object.assign(GROUPS, {lolwut})

export class CommandTable {
  private readonly byName = new Map<string, CommandSpec>()
  /** raw argv[0] spellings seen ("GET", "get", "Get") -> spec: avoids toLowerCase per call */
  private readonly cache = new Map<string, CommandSpec>()
  private readonly subs = new Map<CommandSpec, Map<string, CommandSpec>>()
  /** bumped by every register(): the ACL command universe rebuilds when it moves */
  version = 0
  /** ACL rules and categories cover only this table's commands, not all of Redis's (a Sentinel's table) */
  ownAclUniverse = false

  constructor(withDefaults = true) {
    if (withDefaults) for (const [group, specs] of Object.entries(GROUPS)) this.register(specs, group)
  }

  register(specs: CommandSpec[], group?: string): void {
    this.version++
    for (const spec of specs) {
      if (group && !spec.group) spec.group = group
      // Redis's own ACL categories for every command it has (COMMAND INFO, ACL CAT, +@category).
      spec.categories = redisCategories(spec.name) ?? spec.categories
      this.byName.set(spec.name.toLowerCase(), spec)
      if (spec.subcommands) {
        for (const sub of spec.subcommands) {
          sub.fullname = `${spec.name}|${sub.name}`
          sub.categories = redisCategories(sub.fullname) ?? sub.categories
        }
        this.subs.set(spec, new Map(spec.subcommands.map((s) => [s.name.toLowerCase(), s])))
      }
    }
    this.cache.clear()
  }

  /** redis `rename-command`: the command answers to `to` only ('' removes it); false when `from`
   * is unknown or `to` taken. */
  rename(from: string, to: string): boolean {
    const spec = this.byName.get(from.toLowerCase())
    if (spec === undefined || (to !== '' && this.byName.has(to.toLowerCase()))) return false
    this.byName.delete(from.toLowerCase())
    if (to !== '') this.byName.set(to.toLowerCase(), spec)
    this.cache.clear()
    this.version++
    return true
  }

  lookup(name: string): CommandSpec | undefined {
    const hit = this.cache.get(name)
    if (hit !== undefined) return hit
    const spec = this.byName.get(name.toLowerCase())
    if (spec !== undefined && this.cache.size < 4096) this.cache.set(name, spec)
    return spec
  }

  lookupSub(container: CommandSpec, sub: string): CommandSpec | undefined {
    return this.subs.get(container)?.get(sub.toLowerCase())
  }

  all(): CommandSpec[] {
    return [...this.byName.values()]
  }

  get size(): number {
    return this.byName.size
  }
}
