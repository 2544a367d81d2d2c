// ACL users and selectors (redis 7.0 acl.c): the rule language of ACL SETUSER / `user` lines,
// permission state, and the description ACL LIST / GETUSER print back.
import {createHash} from 'node:crypto'
import {splitArgs} from '../../resp/parser.js'
import {CATEGORIES, type AclCommand, type CommandUniverse} from './universe.js'

export const PERM_R = 1
export const PERM_W = 2

export interface KeyPattern {
  pattern: string
  flags: number // PERM_R | PERM_W
}

/** An ACL SETUSER error: the text after "Error in ACL SETUSER modifier '<op>': ". */
export class AclRuleError extends Error {
  constructor(
    readonly reason: string,
    readonly unknownName = false,
  ) {
    super(reason)
  }
}

const E_ENOENT = 'Unknown command or category name in ACL'
const E_EINVAL = 'Syntax error'
const E_EEXIST =
  "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns"
const E_EISDIR =
  "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels"
const E_ENODEV = 'The password you are trying to remove from the user does not exist'
const E_EBADMSG = 'The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters'
const E_ECHILD = 'Allowing first-arg of a subcommand is not supported'

export function hashPassword(pass: string): string {
  return createHash('sha256').update(Buffer.from(pass, 'latin1')).digest('hex')
}

function hasSpaces(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c === 0 || c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12) return true
  }
  return false
}
export {hasSpaces as aclStringHasSpaces}

export class Selector {
  root: boolean
  allKeys = false
  allChannels = false
  /** the ALLCOMMANDS flag: cleared by any removal */
  allCommands = false
  /** redis's reserved "future commands" bit: set by +@all, cleared only by -@all */
  future = false
  allowed = new Set<string>()
  /** command fullname -> allowed first arguments (SELECT|0, DEBUG|OBJECT) */
  firstArgs = new Map<string, string[]>()
  patterns: KeyPattern[] = []
  channels: string[] = []

  constructor(root: boolean) {
    this.root = root
  }

  copy(): Selector {
    const s = new Selector(this.root)
    s.allKeys = this.allKeys
    s.allChannels = this.allChannels
    s.allCommands = this.allCommands
    s.future = this.future
    s.allowed = new Set(this.allowed)
    s.firstArgs = new Map([...this.firstArgs].map(([k, v]) => [k, [...v]]))
    s.patterns = this.patterns.map((p) => ({...p}))
    s.channels = [...this.channels]
    return s
  }

  private setBit(c: AclCommand, value: boolean): void {
    if (value) this.allowed.add(c.fullname)
    else {
      this.allowed.delete(c.fullname)
      this.allCommands = false
    }
  }

  /** ACLChangeSelectorPerm: a container carries its subcommands. */
  changePerm(c: AclCommand, allow: boolean): void {
    this.setBit(c, allow)
    this.firstArgs.delete(c.fullname)
    for (const s of c.subs) this.setBit(s, allow)
  }

  setCategory(u: CommandUniverse, cat: string, allow: boolean): boolean {
    const name = cat.toLowerCase()
    if (!(CATEGORIES as readonly string[]).includes(name)) return false
    for (const c of u.all()) if (c.categories.has(name)) this.changePerm(c, allow)
    return true
  }

  /** ACLSetSelector: one rule; throws AclRuleError. */
  apply(u: CommandUniverse, op: string): void {
    const low = op.toLowerCase()
    if (low === 'allkeys' || op === '~*') {
      this.allKeys = true
      this.patterns = []
    } else if (low === 'resetkeys') {
      this.allKeys = false
      this.patterns = []
    } else if (low === 'allchannels' || op === '&*') {
      this.allChannels = true
      this.channels = []
    } else if (low === 'resetchannels') {
      this.allChannels = false
      this.channels = []
    } else if (low === 'allcommands' || low === '+@all') {
      for (const c of u.all()) this.allowed.add(c.fullname)
      this.allCommands = true
      this.future = true
      this.firstArgs.clear()
    } else if (low === 'nocommands' || low === '-@all') {
      this.allowed.clear()
      this.allCommands = false
      this.future = false
      this.firstArgs.clear()
    } else if (op[0] === '~' || op[0] === '%') {
      if (this.allKeys) throw new AclRuleError(E_EEXIST)
      let flags = 0
      let offset = 1
      if (op[0] === '%') {
        for (; offset < op.length; offset++) {
          const ch = op[offset].toUpperCase()
          if (ch === 'R' && !(flags & PERM_R)) flags |= PERM_R
          else if (ch === 'W' && !(flags & PERM_W)) flags |= PERM_W
          else if (op[offset] === '~') {
            offset++
            break
          } else throw new AclRuleError(E_EINVAL)
        }
        // `%~pattern` (no permission): a syntax error in Debian's 7.0.15 (-1~deb12u10), the reference
        // redis-server, as in later redis; upstream 7.0.15 took it as a pattern that grants nothing
        if (flags === 0) throw new AclRuleError(E_EINVAL)
      } else flags = PERM_R | PERM_W
      const pat = op.slice(offset)
      if (hasSpaces(pat)) throw new AclRuleError(E_EINVAL)
      const found = this.patterns.find((p) => p.pattern === pat)
      if (found) found.flags |= flags
      else this.patterns.push({pattern: pat, flags})
      this.allKeys = false
    } else if (op[0] === '&') {
      if (this.allChannels) throw new AclRuleError(E_EISDIR)
      const pat = op.slice(1)
      if (hasSpaces(pat)) throw new AclRuleError(E_EINVAL)
      if (!this.channels.includes(pat)) this.channels.push(pat)
      this.allChannels = false
    } else if (op[0] === '+' && op[1] !== '@') {
      const name = op.slice(1)
      const bar = name.lastIndexOf('|')
      if (bar < 0) {
        const c = u.get(name)
        if (!c) throw new AclRuleError(E_ENOENT, true)
        this.changePerm(c, true)
        return
      }
      const c = u.get(name.slice(0, bar))
      if (!c) throw new AclRuleError(E_ENOENT, true)
      if (c.parent) throw new AclRuleError(E_ECHILD)
      const sub = name.slice(bar + 1)
      if (sub === '') throw new AclRuleError(E_EINVAL)
      if (c.subs.length !== 0) {
        const sc = u.get(name)
        if (!sc) throw new AclRuleError(E_ENOENT, true)
        this.changePerm(sc, true)
      } else {
        // A first argument of a command without subcommands (SELECT|0, DEBUG|OBJECT).
        const list = this.firstArgs.get(c.fullname) ?? []
        if (this.allowed.has(c.fullname)) return // redis: the command is already fully allowed
        if (!list.some((a) => a.toLowerCase() === sub.toLowerCase())) list.push(sub.toLowerCase())
        this.firstArgs.set(c.fullname, list)
      }
    } else if (op[0] === '-' && op[1] !== '@') {
      const c = u.get(op.slice(1))
      if (!c) throw new AclRuleError(E_ENOENT, true)
      this.changePerm(c, false)
    } else if ((op[0] === '+' || op[0] === '-') && op[1] === '@') {
      if (!this.setCategory(u, op.slice(2), op[0] === '+')) throw new AclRuleError(E_ENOENT, true)
    } else throw new AclRuleError(E_EINVAL)
  }

  /** ACLDescribeSelectorCommandRules: +@all/-@all, best-fit categories, then single commands. */
  describeCommands(u: CommandUniverse): string {
    const rules: string[] = []
    const additive = !this.future
    const fake = new Selector(false)
    if (additive) {
      rules.push('-@all')
      fake.apply(u, '-@all')
    } else {
      rules.push('+@all')
      fake.apply(u, '+@all')
    }
    const temp = new Selector(false)
    temp.allowed = new Set(this.allowed)
    const applied = new Set<string>()
    for (;;) {
      let best: string | null = null
      let mindiff = Number.MAX_SAFE_INTEGER
      let maxsame = 0
      for (const cat of CATEGORIES) {
        if (applied.has(cat)) continue
        let on = 0
        let off = 0
        for (const c of u.all()) if (c.categories.has(cat)) temp.allowed.has(c.fullname) ? on++ : off++
        const diff = additive ? off : on
        const same = additive ? on : off
        if (same > diff && (diff < mindiff || (diff === mindiff && same > maxsame))) {
          best = cat
          mindiff = diff
          maxsame = same
        }
      }
      if (best === null) break
      fake.setCategory(u, best, additive)
      temp.setCategory(u, best, !additive)
      rules.push(`${additive ? '+' : '-'}@${best}`)
      applied.add(best)
    }
    for (const c of u.all()) {
      const userbit = this.allowed.has(c.fullname)
      if (userbit !== fake.allowed.has(c.fullname)) {
        rules.push(`${userbit ? '+' : '-'}${c.fullname}`)
        fake.changePerm(c, userbit)
      }
      const fa = this.firstArgs.get(c.fullname)
      if (!userbit && fa) for (const a of fa) rules.push(`+${c.fullname}|${a}`)
    }
    return rules.join(' ')
  }

  describeKeys(sep = ' '): string {
    if (this.allKeys) return '~*'
    return this.patterns.map(patternString).join(sep)
  }

  describeChannels(): string {
    if (this.allChannels) return '&*'
    return this.channels.map((c) => '&' + c).join(' ')
  }

  /** ACLDescribeSelector: keys, channels, commands. */
  describe(u: CommandUniverse): string {
    let res = ''
    if (this.allKeys) res += '~* '
    else for (const p of this.patterns) res += patternString(p) + ' '
    if (this.allChannels) res += '&* '
    else {
      res += 'resetchannels '
      for (const c of this.channels) res += '&' + c + ' '
    }
    return res + this.describeCommands(u)
  }
}

function patternString(p: KeyPattern): string {
  if (p.flags === (PERM_R | PERM_W)) return '~' + p.pattern
  if (p.flags === PERM_R) return '%R~' + p.pattern
  if (p.flags === PERM_W) return '%W~' + p.pattern
  return '~' + p.pattern
}

export class AclUser {
  enabled = false
  nopass = false
  /** redis USER_FLAG_SANITIZE_PAYLOAD(_SKIP): neither until a rule sets one */
  sanitize: '' | 'sanitize-payload' | 'skip-sanitize-payload' = ''
  passwords: string[] = []
  selectors: Selector[] = [new Selector(true)]
  /** default user with every permission and one selector: the dispatcher skips all checks */
  unrestricted = false
  /** cached ACL LIST line (redis u->acl_string) */
  private described: string | null = null

  constructor(readonly name: string) {}

  get root(): Selector {
    return this.selectors[0]
  }

  copyFrom(o: AclUser): void {
    this.enabled = o.enabled
    this.nopass = o.nopass
    this.sanitize = o.sanitize
    this.passwords = [...o.passwords]
    this.selectors = o.selectors.map((s) => s.copy())
    this.changed()
  }

  changed(): void {
    this.described = null
    const r = this.selectors[0]
    this.unrestricted = this.selectors.length === 1 && r.allCommands && r.allKeys && r.allChannels
  }

  /** ACLSetUser: one rule (user flags, passwords, selectors, or a rule of the root selector). */
  apply(u: CommandUniverse, op: string, pubsubDefaultAll: boolean): void {
    try {
      this.applyRule(u, op, pubsubDefaultAll)
    } finally {
      this.changed()
    }
  }

  private applyRule(u: CommandUniverse, op: string, pubsubDefaultAll: boolean): void {
    if (op.length === 0) return
    const low = op.toLowerCase()
    if (low === 'on') this.enabled = true
    else if (low === 'off') this.enabled = false
    else if (low === 'skip-sanitize-payload' || low === 'sanitize-payload') this.sanitize = low
    else if (low === 'nopass') {
      this.nopass = true
      this.passwords = []
    } else if (low === 'resetpass') {
      this.nopass = false
      this.passwords = []
    } else if (op[0] === '>' || op[0] === '#') {
      let h: string
      if (op[0] === '>') h = hashPassword(op.slice(1))
      else {
        h = op.slice(1)
        if (!/^[0-9a-f]{64}$/.test(h)) throw new AclRuleError(E_EBADMSG)
      }
      if (!this.passwords.includes(h)) this.passwords.push(h)
      this.nopass = false
    } else if (op[0] === '<' || op[0] === '!') {
      let h: string
      if (op[0] === '<') h = hashPassword(op.slice(1))
      else {
        h = op.slice(1)
        if (!/^[0-9a-f]{64}$/.test(h)) throw new AclRuleError(E_EBADMSG)
      }
      const i = this.passwords.indexOf(h)
      if (i < 0) throw new AclRuleError(E_ENODEV)
      this.passwords.splice(i, 1)
    } else if (op[0] === '(' && op[op.length - 1] === ')') {
      const s = new Selector(false)
      s.allChannels = pubsubDefaultAll // redis ACLCreateSelector ORs in acl-pubsub-default
      const args = splitArgs(op.slice(1, -1))
      if (args === null) throw new AclRuleError(E_EINVAL)
      for (const a of args) s.apply(u, a)
      this.selectors.push(s)
    } else if (low === 'clearselectors') {
      this.selectors.length = 1
    } else if (low === 'reset') {
      this.applyRule(u, 'resetpass', pubsubDefaultAll)
      this.applyRule(u, 'resetkeys', pubsubDefaultAll)
      this.applyRule(u, 'resetchannels', pubsubDefaultAll)
      if (pubsubDefaultAll) this.applyRule(u, 'allchannels', pubsubDefaultAll)
      this.enabled = false
      this.sanitize = 'sanitize-payload'
      this.selectors.length = 1
      this.root.apply(u, '-@all')
    } else this.root.apply(u, op)
  }

  checkPassword(pass: string): boolean {
    if (!this.enabled) return false
    if (this.nopass) return true
    return this.passwords.includes(hashPassword(pass))
  }

  flagNames(): string[] {
    const out: string[] = [this.enabled ? 'on' : 'off']
    if (this.nopass) out.push('nopass')
    if (this.sanitize === 'skip-sanitize-payload') out.push(this.sanitize)
    if (this.sanitize === 'sanitize-payload') out.push(this.sanitize)
    return out
  }

  /** ACLDescribeUser: the rules after "user <name> " in ACL LIST and the ACL file. */
  describe(u: CommandUniverse): string {
    if (this.described !== null) return this.described
    let res = ''
    for (const f of this.flagNames()) res += f + ' '
    for (const p of this.passwords) res += '#' + p + ' '
    this.selectors.forEach((s, i) => {
      res += i === 0 ? s.describe(u) : ` (${s.describe(u)})`
    })
    this.described = res
    return res
  }
}

/**
 * ACLMergeSelectorArguments: "(+get" "~key)" -> "(+get ~key)". Returns the merged list, or the
 * index of an unmatched "(" argument.
 */
export function mergeSelectorArgs(args: string[]): string[] | number {
  const out: string[] = []
  let open = -1
  let cur = ''
  for (let j = 0; j < args.length; j++) {
    const op = args[j]
    if (op[0] === '(' && op[op.length - 1] !== ')') {
      cur = op
      open = j
      continue
    }
    if (open !== -1) {
      cur += ' ' + op
      if (op[op.length - 1] === ')') {
        open = -1
        out.push(cur)
      }
      continue
    }
    out.push(op)
  }
  return open !== -1 ? open : out
}
