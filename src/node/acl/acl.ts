// The node's ACL state (redis acl.c): the users, the default user tied to requirepass, the
// permission check the dispatcher runs, the ACL log, and the ACL file (load/save).
import {readFileSync, renameSync, writeFileSync} from 'node:fs'
import {resolve} from 'node:path'
import {globMatch} from '../keyspace/glob.js'
import {strerror} from '../errors.js'
import {clientLine} from '../commands/client.js'
import type {CommandSpec} from '../commands/types.js'
import type {NodeServer} from '../server.js'
import type {Session} from '../session.js'
import {aclChannels, aclKeys, commandHasKeys, KEY_ACCESS, KEY_WRITE, type KeyRef} from './keyspecs.js'
import {CommandUniverse} from './universe.js'
import {AclRuleError, AclUser, aclStringHasSpaces, mergeSelectorArgs, PERM_R, PERM_W, type Selector} from './user.js'

export const ACL_OK = 0
export const DENIED_CMD = 1
export const DENIED_KEY = 2
export const DENIED_AUTH = 3
export const DENIED_CHANNEL = 4

export type LogContext = 'toplevel' | 'multi' | 'lua' | 'module'

interface LogEntry {
  count: number
  reason: number
  context: LogContext
  object: string
  username: string
  ctime: number
  cinfo: string
}

export interface PermResult {
  result: number
  /** argv index of the denied key or channel */
  pos: number
}

const REASONS: Record<number, string> = {[DENIED_CMD]: 'command', [DENIED_KEY]: 'key', [DENIED_CHANNEL]: 'channel', [DENIED_AUTH]: 'auth'}

/** processCommand's rejection texts. */
export function nopermError(result: number, fullname: string): string {
  if (result === DENIED_CMD) return `NOPERM this user has no permissions to run the '${fullname}' command`
  if (result === DENIED_KEY) return 'NOPERM this user has no permissions to access one of the keys used as arguments'
  if (result === DENIED_CHANNEL) return 'NOPERM this user has no permissions to access one of the channels used as arguments'
  return 'ERR no permission'
}

/** getAclErrorMessage: the tail of a script's ACL error. */
export function aclErrorMessage(result: number): string {
  if (result === DENIED_CMD) return "can't run this command or subcommand"
  if (result === DENIED_KEY) return "can't access at least one of the keys mentioned in the command arguments"
  if (result === DENIED_CHANNEL) return "can't publish to the channel mentioned in the command"
  return 'lacking the permissions for the command'
}

export class Acl {
  readonly users = new Map<string, AclUser>()
  readonly defaultUser: AclUser
  readonly universe: CommandUniverse
  private log: LogEntry[] = []
  /** redis authRequired(): the default user has a password or is off */
  defaultAuthRequired = false
  /** CLIENT LIST's line for a session (ACL LOG client-info) */
  private clientInfo(s: Session): string {
    return clientLine(s.ctx, s)
  }

  constructor(private readonly server: NodeServer) {
    this.universe = new CommandUniverse(server.commands)
    this.defaultUser = this.createDefaultUser()
    this.users.set('default', this.defaultUser)
    const pass = server.config.get('requirepass')
    if (pass !== '') this.updateDefaultPassword(pass)
    this.changed()
    // redis rewriteConfigUserOption: users go to the config file unless an ACL file holds them.
    server.config.rewriteHooks.push(() =>
      server.config.get('aclfile') !== '' ? [] : this.sortedUsers().map((u) => `user ${u.name} ${u.describe(this.universe)}`),
    )
  }

  private get pubsubDefaultAll(): boolean {
    return this.server.config.get('acl-pubsub-default') === 'allchannels'
  }

  private createDefaultUser(): AclUser {
    const u = new AclUser('default')
    for (const op of ['+@all', '~*', '&*', 'on', 'nopass']) u.apply(this.universe, op, true)
    return u
  }

  /** A new user (ACL SETUSER / ACL LOAD): off, no passwords, -@all, channels per acl-pubsub-default. */
  newUser(name: string): AclUser {
    const u = new AclUser(name)
    if (this.pubsubDefaultAll) u.apply(this.universe, 'allchannels', true)
    return u
  }

  changed(): void {
    const d = this.defaultUser
    this.defaultAuthRequired = !d.nopass || !d.enabled
  }

  /** requirepass: ACLUpdateDefaultUserPassword. */
  updateDefaultPassword(pass: string): void {
    const u = this.universe
    this.defaultUser.apply(u, 'resetpass', this.pubsubDefaultAll)
    this.defaultUser.apply(u, pass === '' ? 'nopass' : '>' + pass, this.pubsubDefaultAll)
    this.changed()
  }

  /** ACLStringSetUser: all rules or none; returns an error text or null. */
  setUser(name: string, rules: string[], existing = this.users.get(name)): string | null {
    const merged = mergeSelectorArgs(rules)
    if (typeof merged === 'number') return `Unmatched parenthesis in acl selector starting at '${rules[merged]}'.`
    const temp = existing ? new AclUser(name) : this.newUser(name)
    if (existing) temp.copyFrom(existing)
    for (const op of merged) {
      try {
        temp.apply(this.universe, op, this.pubsubDefaultAll)
      } catch (e) {
        if (e instanceof AclRuleError) return `Error in ACL SETUSER modifier '${op}': ${e.reason}`
        throw e
      }
    }
    if (existing) {
      this.killPubsubClientsIfNeeded(temp, existing)
      existing.copyFrom(temp)
    } else this.users.set(name, temp)
    this.changed()
    return null
  }

  /** ACL DELUSER: drops the user and disconnects its clients (the caller after its reply). */
  deleteUser(name: string, caller: Session): boolean {
    const u = this.users.get(name)
    if (!u) return false
    this.users.delete(name)
    for (const s of [...this.server.sessions.values()]) {
      if (s.aclUser !== u) continue
      if (s === caller) s.closeAfterReply = true
      else s.close()
    }
    return true
  }

  /** ACLCheckUserCredentials + ACLAuthenticateUser; logs a failed attempt. */
  authenticate(s: Session, username: string, password: string, object = 'AUTH'): boolean {
    const u = this.users.get(username)
    if (u && u.checkPassword(password)) {
      s.authenticated = true
      s.aclUser = u
      return true
    }
    this.addLog(s, DENIED_AUTH, s.multi ? 'multi' : 'toplevel', username, object)
    return false
  }

  // ---- permission checks -----------------------------------------------------------------

  /** ACLCheckAllUserCommandPerm. */
  check(user: AclUser, spec: CommandSpec, argv: string[]): PermResult {
    const fullname = spec.fullname ?? spec.name
    let relevant = DENIED_CMD
    let lastIdx = 0
    let keys: KeyRef[] | null = null
    for (const sel of user.selectors) {
      const r = this.checkSelector(sel, spec, fullname, argv, () => (keys ??= aclKeys(spec, fullname, argv)))
      if (r.result === ACL_OK) return r
      if (r.result > relevant || (r.result === relevant && r.pos > lastIdx)) {
        relevant = r.result
        lastIdx = r.pos
      }
    }
    return {result: relevant, pos: lastIdx}
  }

  private checkSelector(sel: Selector, spec: CommandSpec, fullname: string, argv: string[], keys: () => KeyRef[]): PermResult {
    if (!sel.allCommands && !spec.flags.includes('noauth') && !sel.allowed.has(fullname)) {
      const fa = sel.firstArgs.get(fullname)
      const idx = fullname.includes('|') ? 2 : 1
      if (argv.length < 2 || !fa || idx >= argv.length || !fa.includes(argv[idx].toLowerCase())) return {result: DENIED_CMD, pos: 0}
    }
    if (!sel.allKeys && commandHasKeys(spec, fullname)) {
      for (const k of keys()) {
        if (!selectorKeyOk(sel, argv[k.pos], k.perm)) return {result: DENIED_KEY, pos: k.pos}
      }
    }
    if (!sel.allChannels) {
      const chans = aclChannels(fullname, argv)
      if (chans)
        for (const c of chans) {
          if (!channelAllowed(sel.channels, argv[c.pos], c.pattern)) return {result: DENIED_CHANNEL, pos: c.pos}
        }
    }
    return {result: ACL_OK, pos: 0}
  }

  /** ACLUserCheckCmdWithUnrestrictedKeyAccess (SORT's BY and GET patterns): a selector that
   * allows this command must also grant `perm` on every key (`~*`, `%R~*`, allkeys). */
  userHasUnrestrictedKeyAccess(user: AclUser, spec: CommandSpec, argv: string[], perm: number): boolean {
    if (user.unrestricted) return true
    const fullname = spec.fullname ?? spec.name
    let keys: KeyRef[] | null = null
    return user.selectors.some(
      (sel) => this.checkSelector(sel, spec, fullname, argv, () => (keys ??= aclKeys(spec, fullname, argv))).result === ACL_OK && selectorUnrestricted(sel, perm),
    )
  }

  /** ACLUserCheckKeyPerm (scripts' key checks, MIGRATE ...): any selector granting `perm`. */
  userCanAccessKey(user: AclUser, key: string, perm: number): boolean {
    return user.selectors.some((s) => selectorKeyOk(s, key, perm))
  }

  userCanAccessChannel(user: AclUser, channel: string, pattern: boolean): boolean {
    return user.selectors.some((s) => s.allChannels || channelAllowed(s.channels, channel, pattern))
  }

  /** ACLKillPubsubClientsIfNeeded: subscribers whose channels the new rules no longer allow. */
  private killPubsubClientsIfNeeded(next: AclUser, original: AclUser): void {
    if (next.selectors.some((s) => s.allChannels)) return
    const upcoming: string[] = []
    for (const s of next.selectors) upcoming.push(...s.channels)
    let match = true
    for (const s of original.selectors) {
      if (s.allChannels || s.channels.some((c) => !upcoming.includes(c))) {
        match = false
        break
      }
    }
    if (match) return
    for (const c of [...this.server.sessions.values()]) {
      if (c.aclUser !== original) continue
      const shard = c.sharded
      if (c.subscriptionCount() === 0 && shard.size === 0) continue
      let kill = false
      for (const p of c.patterns) if (!channelAllowed(upcoming, p, true)) kill = true
      for (const ch of c.channels) if (!kill && !channelAllowed(upcoming, ch, false)) kill = true
      for (const ch of shard) if (!kill && !channelAllowed(upcoming, ch, false)) kill = true
      if (kill) c.close()
    }
  }

  // ---- ACL LOG ---------------------------------------------------------------------------

  /** addACLLogEntry: similar entries within 60 s are merged (count++). */
  addLog(s: Session, reason: number, context: LogContext, username: string | null, object: string): void {
    const now = Date.now()
    const real = s.scriptCaller ?? s
    const e: LogEntry = {count: 1, reason, context, object, username: username ?? s.aclUser.name, ctime: now, cinfo: this.clientInfo(real)}
    for (let i = 0; i < Math.min(10, this.log.length); i++) {
      const c = this.log[i]
      if (c.reason === e.reason && c.context === e.context && Math.abs(c.ctime - e.ctime) <= 60000 && c.object === e.object && c.username === e.username) {
        c.cinfo = e.cinfo
        c.ctime = e.ctime
        c.count++
        this.log.splice(i, 1)
        this.log.unshift(c)
        return
      }
    }
    this.log.unshift(e)
    const max = this.server.config.int('acllog-max-len')
    if (this.log.length > max) this.log.length = Math.max(0, max)
  }

  /** A failed check, logged with its object (command fullname, key or channel). */
  logDenied(s: Session, r: PermResult, spec: CommandSpec, argv: string[], context: LogContext): void {
    const object = r.result === DENIED_CMD ? (spec.fullname ?? spec.name) : (argv[r.pos] ?? '')
    this.addLog(s, r.result, context, null, object)
  }

  resetLog(): void {
    this.log = []
  }

  logEntries(count: number): (Omit<LogEntry, 'reason'> & {reason: string; age: number})[] {
    const now = Date.now()
    return this.log.slice(0, count).map((e) => ({...e, reason: REASONS[e.reason] ?? 'unknown', age: (now - e.ctime) / 1000}))
  }

  // ---- users from the config file and the ACL file ---------------------------------------

  /** ACLLoadUsersAtStartup: `user` directives, then the aclfile. Throws with the startup error. */
  loadAtStartup(configured: string[][]): void {
    const file = this.server.config.get('aclfile')
    if (file !== '' && configured.length !== 0)
      throw new Error(
        'Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. This setup is very likely to lead to configuration errors and security holes, please define either an ACL file or declare users directly in your redis.conf, but not both.',
      )
    const seen = new Set<string>()
    for (const argv of configured) {
      const [name, ...rules] = argv
      if (name === undefined) throw new Error("'user' directive requires a username")
      if (seen.has(name)) throw new Error('Duplicate user found. A user can only be defined once in config files')
      seen.add(name)
      if (aclStringHasSpaces(name)) throw new Error('Spaces not allowed in ACL usernames')
      let u = this.users.get(name)
      if (u) u.apply(this.universe, 'reset', this.pubsubDefaultAll)
      else this.users.set(name, (u = this.newUser(name)))
      const merged = mergeSelectorArgs(rules)
      if (typeof merged === 'number') throw new Error(`Unmatched parenthesis in acl selector starting at '${rules[merged]}'.`)
      for (const op of merged) {
        try {
          u.apply(this.universe, op, this.pubsubDefaultAll)
        } catch (e) {
          if (e instanceof AclRuleError) throw new Error(`Error loading ACL rule '${op}' for the user named '${name}': ${e.reason}`)
          throw e
        }
      }
    }
    this.changed()
    if (file !== '') {
      const err = this.loadFile()
      if (err !== null) throw new Error(`Aborting Redis startup because of ACL errors: ${err}`)
    }
  }

  private filePath(): string {
    return resolve(this.server.config.get('dir') || process.cwd(), this.server.config.get('aclfile'))
  }

  /** ACLLoadFromFile: all users or nothing; returns the error text or null. */
  loadFile(caller?: Session): string | null {
    const fname = this.server.config.get('aclfile')
    let text: string
    try {
      text = readFileSync(this.filePath(), 'latin1')
    } catch (e) {
      return `Error loading ACLs, opening file '${fname}': ${strerror(e)}`
    }
    const users = new Map<string, AclUser>()
    let errors = ''
    text.split('\n').forEach((raw, i) => {
      const line = raw.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '')
      const linenum = i + 1
      if (line === '') return
      const argv = line.split(' ').filter((a) => a !== '')
      if (argv.length === 0) return
      if (argv[0] !== 'user' || argv.length < 2) {
        errors += `${fname}:${linenum} should start with user keyword followed by the username. `
        return
      }
      if (aclStringHasSpaces(argv[1])) {
        errors += `'${fname}:${linenum}: username '${argv[1]}' contains invalid characters. `
        return
      }
      if (users.has(argv[1])) {
        errors += `WARNING: Duplicate user '${argv[1]}' found on line ${linenum}. `
        return
      }
      const u = this.newUser(argv[1])
      users.set(argv[1], u)
      const merged = mergeSelectorArgs(argv.slice(2))
      if (typeof merged === 'number') {
        errors += `${fname}:${linenum}: Unmatched parenthesis in selector definition.`
        return
      }
      let syntax = false
      for (const op of merged) {
        try {
          u.apply(this.universe, op.replace(/^[\t\r\n]+|[\t\r\n]+$/g, ''), this.pubsubDefaultAll)
        } catch (e) {
          if (!(e instanceof AclRuleError)) throw e
          if (e.unknownName) errors += `${fname}:${linenum}: Error in applying operation '${op}': ${e.reason}. `
          else if (!syntax) {
            errors += `${fname}:${linenum}: ${e.reason}. `
            syntax = true
          }
        }
      }
    })
    if (errors !== '') return errors + 'WARNING: ACL errors detected, no change to the previously active ACL rules was performed'
    // The default user object stays the same (sessions point at it); it takes the new rules.
    const nd = users.get('default') ?? this.createDefaultUser()
    this.defaultUser.copyFrom(nd)
    users.set('default', this.defaultUser)
    // Clients of users that no longer exist (or were replaced) are disconnected, like redis
    // freeing the old users set.
    for (const u of this.users.values()) {
      if (u === this.defaultUser) continue
      for (const s of [...this.server.sessions.values()]) {
        if (s.aclUser !== u) continue
        if (s === caller) s.closeAfterReply = true
        else s.close()
      }
    }
    this.users.clear()
    for (const [n, u] of [...users].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) this.users.set(n, u)
    this.changed()
    return null
  }

  /** ACLSaveToFile. */
  saveFile(): boolean {
    const lines = this.sortedUsers().map((u) => `user ${u.name} ${u.describe(this.universe)}\n`)
    const path = this.filePath()
    const tmp = `${path}.tmp-${process.pid}-${Date.now()}`
    try {
      writeFileSync(tmp, lines.join(''))
      renameSync(tmp, path)
      return true
    } catch (e) {
      this.server.log.warning(`Writing ACL file for ACL SAVE: ${(e as Error).message}`)
      return false
    }
  }

  /** Users in redis's rax order (byte order of names). */
  sortedUsers(): AclUser[] {
    return [...this.users.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  }
}

function selectorKeyOk(sel: Selector, key: string, keyPerm: number): boolean {
  if (sel.allKeys) return true
  let need = 0
  if (keyPerm & KEY_ACCESS) need |= PERM_R
  if (keyPerm & KEY_WRITE) need |= PERM_W
  for (const p of sel.patterns) {
    if ((p.flags & need) !== need) continue
    if (globMatch(p.pattern, key)) return true
  }
  return false
}

/** ACLSelectorHasUnrestrictedKeyAccess: allkeys, or a `*` pattern with the needed permissions. */
function selectorUnrestricted(sel: Selector, keyPerm: number): boolean {
  if (sel.allKeys) return true
  let need = 0
  if (keyPerm & KEY_ACCESS) need |= PERM_R
  if (keyPerm & KEY_WRITE) need |= PERM_W
  return sel.patterns.some((p) => (p.flags & need) === need && p.pattern === '*')
}

/** ACLCheckChannelAgainstList: a pattern subscription must be listed literally. */
function channelAllowed(list: readonly string[], channel: string, isPattern: boolean): boolean {
  for (const p of list) if (isPattern ? p === channel : globMatch(p, channel)) return true
  return false
}

