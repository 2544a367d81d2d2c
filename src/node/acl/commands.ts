// ACL SETUSER/GETUSER/DELUSER/LIST/USERS/WHOAMI/CAT/LOG/GENPASS/DRYRUN/SAVE/LOAD/HELP
// (redis 7.0 aclCommand). The state lives in src/node/acl/acl.ts.
import {randomBytes} from 'node:crypto'
import {wrongArity} from '../errors.js'
import {ADMIN_FLAGS as A, cmd, helpSubcommand, type CommandContext, type CommandSpec} from '../commands/types.js'
import {intArg} from '../commands/util.js'
import {ACL_OK, DENIED_CHANNEL, DENIED_CMD, DENIED_KEY} from './acl.js'
import {CATEGORIES} from './universe.js'
import {aclStringHasSpaces, type Selector} from './user.js'

const N = ['noscript', 'loading', 'stale'] as const

const ACL_HELP = [
  'ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CAT [<category>]',
  '    List all commands that belong to <category>, or all command categories',
  '    when no category is specified.',
  'DELUSER <username> [<username> ...]',
  '    Delete a list of users.',
  'DRYRUN <username> <command> [<arg> ...]',
  '    Returns whether the user can execute the given command without executing the command.',
  'GETUSER <username>',
  "    Get the user's details.",
  'GENPASS [<bits>]',
  '    Generate a secure 256-bit user password. The optional `bits` argument can',
  '    be used to specify a different size.',
  'LIST',
  '    Show users details in config file format.',
  'LOAD',
  '    Reload users from the ACL file.',
  'LOG [<count> | RESET]',
  '    Show the ACL log entries.',
  'SAVE',
  '    Save the current config to the ACL file.',
  'SETUSER <username> <attribute> [<attribute> ...]',
  '    Create or modify a user with the specified attributes.',
  'USERS',
  '    List all the registered usernames.',
  'WHOAMI',
  '    Return the current connection username.',
  'HELP',
  '    Prints this help.',
]

export const aclCommand: CommandSpec = {
  ...cmd('acl', -2, [], 0, () => undefined),
  subcommands: [
    cmd('setuser', -3, [...A], 0, setuser),
    cmd('deluser', -3, [...A], 0, deluser),
    cmd('getuser', 3, [...A], 0, getuser),
    cmd('list', 2, [...A], 0, (ctx) => {
      const acl = ctx.server.acl
      const lines = acl.sortedUsers().map((u) => `user ${u.name} ${u.describe(acl.universe)}`)
      ctx.reply.bulks(lines, lines.length)
    }),
    cmd('users', 2, [...A], 0, (ctx) => {
      const names = ctx.server.acl.sortedUsers().map((u) => u.name)
      ctx.reply.bulks(names, names.length)
    }),
    cmd('whoami', 2, [...N], 0, (ctx) => ctx.reply.bulk(ctx.session.user)),
    cmd('cat', -2, [...N], 0, cat),
    cmd('genpass', -2, [...N], 0, genpass),
    cmd('log', -2, [...A], 0, log),
    cmd('dryrun', -4, [...A], 0, dryrun),
    cmd('load', 2, [...A], 0, (ctx) => {
      if (!fileConfigured(ctx)) return
      const err = ctx.server.acl.loadFile(ctx.session)
      if (err === null) ctx.reply.ok()
      else ctx.reply.error(`ERR ${err}`)
    }),
    cmd('save', 2, [...A], 0, (ctx) => {
      if (!fileConfigured(ctx)) return
      if (ctx.server.acl.saveFile()) ctx.reply.ok()
      else ctx.reply.error('ERR There was an error trying to save the ACLs. Please check the server logs for more information')
    }),
    helpSubcommand(ACL_HELP),
  ],
}

function subSyntaxError(ctx: CommandContext, argv: string[]): void {
  ctx.reply.error(`ERR unknown subcommand or wrong number of arguments for '${argv[1]}'. Try ACL HELP.`)
}

function fileConfigured(ctx: CommandContext): boolean {
  if (ctx.server.config.get('aclfile') !== '') return true
  ctx.reply.error(
    'ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.',
  )
  return false
}

function setuser(ctx: CommandContext, argv: string[]): void {
  const name = argv[2]
  if (aclStringHasSpaces(name)) return ctx.reply.error("ERR Usernames can't contain spaces or null characters")
  const err = ctx.server.acl.setUser(name, argv.slice(3))
  if (err === null) ctx.reply.ok()
  else ctx.reply.error('ERR ' + err.replace(/[\r\n]/g, ' '))
}

function deluser(ctx: CommandContext, argv: string[]): void {
  for (let j = 2; j < argv.length; j++) if (argv[j] === 'default') return ctx.reply.error("ERR The 'default' user cannot be removed")
  let deleted = 0
  for (let j = 2; j < argv.length; j++) if (ctx.server.acl.deleteUser(argv[j], ctx.session)) deleted++
  ctx.reply.integer(deleted)
}

function describeSelector(ctx: CommandContext, s: Selector): void {
  const r = ctx.reply
  r.bulk('commands')
  r.bulk(s.describeCommands(ctx.server.acl.universe))
  r.bulk('keys')
  r.bulk(s.describeKeys())
  r.bulk('channels')
  r.bulk(s.describeChannels())
}

function getuser(ctx: CommandContext, argv: string[]): void {
  const u = ctx.server.acl.users.get(argv[2])
  const r = ctx.reply
  if (!u) return r.nil()
  r.map(6)
  r.bulk('flags')
  const flags = u.flagNames()
  r.set(flags.length)
  for (const f of flags) r.bulk(f)
  r.bulk('passwords')
  r.bulks(u.passwords, u.passwords.length)
  describeSelector(ctx, u.root)
  r.bulk('selectors')
  r.array(u.selectors.length - 1)
  for (const s of u.selectors.slice(1)) {
    r.map(3)
    describeSelector(ctx, s)
  }
}

function cat(ctx: CommandContext, argv: string[]): void {
  if (argv.length === 2) return ctx.reply.bulks(CATEGORIES as unknown as string[], CATEGORIES.length)
  if (argv.length !== 3) return subSyntaxError(ctx, argv)
  const name = argv[2].toLowerCase()
  if (!(CATEGORIES as readonly string[]).includes(name)) return ctx.reply.error(`ERR Unknown category '${argv[2].slice(0, 128)}'`)
  const out: string[] = []
  for (const c of ctx.server.acl.universe.all()) if (c.categories.has(name)) out.push(c.fullname)
  ctx.reply.bulks(out, out.length)
}

function genpass(ctx: CommandContext, argv: string[]): void {
  if (argv.length > 3) return subSyntaxError(ctx, argv)
  const bits = argv.length === 3 ? intArg(argv[2]) : 256
  if (bits <= 0 || bits > 4096) return ctx.reply.error('ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096')
  const chars = Math.floor((bits + 3) / 4)
  ctx.reply.bulk(randomBytes(Math.ceil(chars / 2)).toString('hex').slice(0, chars))
}

function log(ctx: CommandContext, argv: string[]): void {
  if (argv.length > 3) return subSyntaxError(ctx, argv)
  const acl = ctx.server.acl
  let count = 10
  if (argv.length === 3) {
    if (argv[2].toLowerCase() === 'reset') {
      acl.resetLog()
      return ctx.reply.ok()
    }
    count = Math.max(0, intArg(argv[2]))
  }
  const entries = acl.logEntries(count)
  const r = ctx.reply
  r.array(entries.length)
  for (const e of entries) {
    r.map(7)
    r.bulk('count')
    r.integer(e.count)
    r.bulk('reason')
    r.bulk(e.reason)
    r.bulk('context')
    r.bulk(e.context)
    r.bulk('object')
    r.bulk(e.object)
    r.bulk('username')
    r.bulk(e.username)
    r.bulk('age-seconds')
    r.double(e.age)
    r.bulk('client-info')
    r.bulk(e.cinfo)
  }
}

function dryrun(ctx: CommandContext, argv: string[]): void {
  const acl = ctx.server.acl
  const u = acl.users.get(argv[2])
  if (!u) return ctx.reply.error(`ERR User '${argv[2]}' not found`)
  const target = argv.slice(3)
  const top = ctx.server.commands.lookup(target[0])
  let spec = top
  if (top?.subcommands && target.length >= 2) spec = ctx.server.commands.lookupSub(top, target[1])
  if (!spec) return ctx.reply.error(`ERR Command '${argv[3]}' not found`)
  const fullname = spec.fullname ?? spec.name
  if ((spec.arity > 0 && spec.arity !== target.length) || target.length < -spec.arity) return ctx.reply.error(wrongArity(fullname))
  const r = acl.check(u, spec, target)
  if (r.result === ACL_OK) return ctx.reply.ok()
  if (r.result === DENIED_CMD) return ctx.reply.bulk(`This user has no permissions to run the '${fullname}' command`)
  if (r.result === DENIED_KEY) return ctx.reply.bulk(`This user has no permissions to access the '${target[r.pos]}' key`)
  if (r.result === DENIED_CHANNEL) return ctx.reply.bulk(`This user has no permissions to access the '${target[r.pos]}' channel`)
}

