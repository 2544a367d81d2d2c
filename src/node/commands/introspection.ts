// COMMAND, COMMAND COUNT/LIST/INFO/DOCS/GETKEYS: built from the registration table so clients
// (redis-cli hints, redis-py cluster key lookup) see what the node really implements.
import {E} from '../errors.js'
import {globMatch} from '../keyspace/glob.js'
import {cmd, replyHelp, type CommandContext, type CommandSpec} from './types.js'
import {getkeysCommand} from './getkeys.js'
import {is} from './util.js'
import {writeReferenceDocs, writeReferenceInfo, writeSubcommands} from './command-reference-reply.js'

const F = ['loading', 'stale'] as const
export const commands: CommandSpec[] = [
  {
    ...cmd('command', -1, [...F], 0, (ctx) => {
      const all = ctx.server.commands.all()
      ctx.reply.array(all.length)
      for (const spec of all) writeInfo(ctx, spec, spec.name)
    }),
    subcommands: [
      cmd('count', 2, [...F], 0, (ctx) => ctx.reply.integer(ctx.server.commands.size)),
      cmd('list', -2, [...F], 0, list),
      cmd('info', -2, [...F], 0, info),
      cmd('docs', -2, [...F], 0, docs),
      cmd('getkeys', -4, [...F], 0, getkeysCommand(false)),
      cmd('getkeysandflags', -4, [...F], 0, getkeysCommand(true)),
      cmd('help', 2, [...F], 0, (ctx) => replyHelp(ctx, COMMAND_HELP)),
    ],
  },
]

const FLAG_NAMES: Record<string, string> = {noauth: 'no_auth', 'no-multi': 'no_multi'}

function flagList(spec: CommandSpec): string[] {
  const out = spec.flags.filter((f) => f !== 'subscribed-ok').map((f) => FLAG_NAMES[f] ?? f)
  if (spec.keys) out.push('movablekeys')
  return out
}

const GROUP_CATEGORY: Record<string, string> = {
  strings: '@string', keys: '@keyspace', lists: '@list', hashes: '@hash', sets: '@set', zsets: '@sortedset',
  pubsub: '@pubsub', connection: '@connection', transactions: '@transaction', server: '@admin', cluster: '@admin',
}

/** ACL categories in redis' order (read/write, data type, fast/slow) when a spec gives none. */
function defaultCategories(spec: CommandSpec): string[] {
  const out: string[] = []
  if (spec.flags.includes('write')) out.push('@write')
  if (spec.flags.includes('readonly')) out.push('@read')
  const g = spec.group ? GROUP_CATEGORY[spec.group] : undefined
  if (g && g !== '@admin') out.push(g)
  if (spec.flags.includes('admin')) out.push('@admin', '@dangerous')
  if (spec.flags.includes('blocking')) out.push('@blocking')
  out.push(spec.flags.includes('fast') ? '@fast' : '@slow')
  return out
}

/** One COMMAND INFO entry (10 fields, redis 7.0 layout): Redis's own entry when it has the command. */
function writeInfo(ctx: CommandContext, spec: CommandSpec, fullname: string): void {
  const sub = (s: CommandSpec, name: string) => writeInfo(ctx, s, name)
  if (writeReferenceInfo(ctx.reply, spec, fullname, sub)) return
  const r = ctx.reply
  r.array(10)
  r.bulk(fullname)
  r.integer(spec.arity)
  const flags = flagList(spec)
  r.set(flags.length)
  for (const f of flags) r.simple(f)
  r.integer(spec.firstKey)
  r.integer(spec.lastKey)
  r.integer(spec.step)
  const cats = spec.categories ?? defaultCategories(spec)
  r.set(cats.length)
  for (const c of cats) r.simple(c)
  r.set(0) // tips
  if (spec.firstKey > 0) {
    r.set(1)
    r.map(3)
    r.bulk('flags')
    r.set(0)
    r.bulk('begin_search')
    r.map(2)
    r.bulk('type')
    r.bulk('index')
    r.bulk('spec')
    r.map(1)
    r.bulk('index')
    r.integer(spec.firstKey)
    r.bulk('find_keys')
    r.map(2)
    r.bulk('type')
    r.bulk('range')
    r.bulk('spec')
    r.map(3)
    r.bulk('lastkey')
    r.integer(spec.lastKey < 0 ? spec.lastKey : spec.lastKey - spec.firstKey)
    r.bulk('keystep')
    r.integer(spec.step)
    r.bulk('limit')
    r.integer(0)
  } else r.set(0)
  writeSubcommands(r, spec, fullname, sub, false)
}

function find(ctx: CommandContext, name: string): {spec: CommandSpec; fullname: string} | null {
  const parts = name.toLowerCase().split('|')
  if (parts.length > 2) return null
  const [top, sub] = parts
  const spec = ctx.server.commands.lookup(top)
  if (!spec) return null
  if (sub === undefined) return {spec, fullname: spec.name}
  const s = ctx.server.commands.lookupSub(spec, sub)
  return s ? {spec: s, fullname: `${spec.name}|${s.name}`} : null
}

function info(ctx: CommandContext, argv: string[]): void {
  const names = argv.slice(2)
  if (names.length === 0) {
    const all = ctx.server.commands.all()
    ctx.reply.array(all.length)
    for (const spec of all) writeInfo(ctx, spec, spec.name)
    return
  }
  ctx.reply.array(names.length)
  for (const n of names) {
    const f = find(ctx, n)
    if (f) writeInfo(ctx, f.spec, f.fullname)
    else ctx.reply.nil() // addReplyNull: $-1 in RESP2
  }
}

function writeDoc(ctx: CommandContext, spec: CommandSpec, fullname: string): void {
  const sub = (s: CommandSpec, name: string) => writeDoc(ctx, s, name)
  if (writeReferenceDocs(ctx.reply, spec, fullname, sub)) return
  const r = ctx.reply
  const hasSubs = (spec.subcommands?.length ?? 0) > 0
  r.map(hasSubs ? 5 : 4)
  r.bulk('summary')
  r.bulk(spec.summary ?? `${spec.name.toUpperCase()} command`)
  r.bulk('since')
  r.bulk('1.0.0')
  r.bulk('group')
  r.bulk(spec.group ?? 'generic')
  r.bulk('complexity')
  r.bulk('O(1)')
  if (hasSubs) {
    r.bulk('subcommands')
    writeSubcommands(r, spec, fullname, sub, true)
  }
}

function docs(ctx: CommandContext, argv: string[]): void {
  const names = argv.slice(2)
  const specs = names.length === 0 ? ctx.server.commands.all().map((s) => ({spec: s, fullname: s.name})) : names.map((n) => find(ctx, n)).filter((x) => x !== null)
  ctx.reply.map(specs.length)
  for (const {spec, fullname} of specs) {
    ctx.reply.bulk(fullname)
    writeDoc(ctx, spec, fullname)
  }
}

/** Every command and, after it, its subcommands as "parent|sub" (commandListWithoutFilter). */
function allNames(ctx: CommandContext): {spec: CommandSpec; fullname: string}[] {
  const out: {spec: CommandSpec; fullname: string}[] = []
  for (const spec of ctx.server.commands.all()) {
    out.push({spec, fullname: spec.name})
    for (const sub of spec.subcommands ?? []) out.push({spec: sub, fullname: `${spec.name}|${sub.name}`})
  }
  return out
}

function list(ctx: CommandContext, argv: string[]): void {
  let all = allNames(ctx)
  if (argv.length > 2) {
    if (argv.length !== 5 || !is(argv[2], 'filterby')) return ctx.reply.error(E.SYNTAX)
    const kind = argv[3].toLowerCase()
    const arg = argv[4]
    if (kind === 'pattern') all = all.filter((c) => globMatch(arg, c.fullname, true))
    else if (kind === 'aclcat') {
      const cat = '@' + arg.toLowerCase()
      all = all.filter((c) => (c.spec.categories ?? defaultCategories(c.spec)).includes(cat))
    } else if (kind === 'module') all = []
    else return ctx.reply.error(E.SYNTAX)
  }
  ctx.reply.bulks(
    all.map((c) => c.fullname),
    all.length,
  )
}

/** COMMAND HELP (redis addReplyHelp: one status line each). */
const COMMAND_HELP = [
  'COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  '(no subcommand)',
  '    Return details about all Redis commands.',
  'COUNT',
  '    Return the total number of commands in this Redis server.',
  'LIST',
  '    Return a list of all commands in this Redis server.',
  'INFO [<command-name> ...]',
  '    Return details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'DOCS [<command-name> ...]',
  '    Return documentation details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'GETKEYS <full-command>',
  '    Return the keys from a full Redis command.',
  'GETKEYSANDFLAGS <full-command>',
  '    Return the keys and the access flags from a full Redis command.',
  'HELP',
  '    Prints this help.',
]
