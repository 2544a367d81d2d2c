// CLIENT subcommands: ID SETNAME GETNAME LIST INFO KILL NO-EVICT GETREDIR PAUSE UNPAUSE HELP.
import {clientInfoLine} from '../clientmem.js'
import {unblockClient} from '../blocking.js'
import {pauseClients, unpause} from '../pause.js'
import {E} from '../errors.js'
import type {Session} from '../session.js'
import {cmd, replyHelp, type CommandContext, type CommandSpec} from './types.js'
import {intArg, is, parseIntStrict, validateClientName} from './util.js'
import {caching, getredir, reply, tracking, trackinginfo} from './client-tracking.js'

const container = (name: string, arity: number) => cmd(name, arity, [], 0, () => undefined)

export const clientCommand: CommandSpec = {
  ...container('client', -2),
  subcommands: [
    cmd('id', 2, ['noscript', 'loading', 'stale'], 0, (ctx) => ctx.reply.integer(ctx.session.id)),
    cmd('getname', 2, ['noscript', 'loading', 'stale'], 0, (ctx) => ctx.reply.bulk(ctx.session.name || null)),
    cmd('setname', 3, ['noscript', 'loading', 'stale'], 0, setname),
    cmd('list', -2, ['admin', 'noscript', 'loading', 'stale'], 0, list),
    cmd('info', 2, ['noscript', 'loading', 'stale'], 0, (ctx) => ctx.reply.verbatim(clientLine(ctx, ctx.session) + '\n')),
    cmd('kill', -3, ['admin', 'noscript', 'loading', 'stale'], 0, kill),
    cmd('no-evict', 3, ['admin', 'noscript', 'loading', 'stale'], 0, onOff),
    cmd('unblock', -3, ['admin', 'noscript', 'loading', 'stale'], 0, unblock),
    cmd('pause', -3, ['admin', 'noscript', 'loading', 'stale'], 0, pause),
    cmd('unpause', 2, ['admin', 'noscript', 'loading', 'stale'], 0, (ctx) => {
      unpause(ctx.server, 'client')
      ctx.reply.ok()
    }),
    cmd('getredir', 2, ['noscript', 'loading', 'stale'], 0, getredir),
    cmd('tracking', -3, ['noscript', 'loading', 'stale'], 0, tracking),
    cmd('trackinginfo', 2, ['noscript', 'loading', 'stale'], 0, trackinginfo),
    cmd('caching', 3, ['noscript', 'loading', 'stale'], 0, caching),
    cmd('reply', 3, ['noscript', 'loading', 'stale'], 0, reply),
    cmd('help', 2, ['loading', 'stale'], 0, (ctx) => replyHelp(ctx, CLIENT_HELP)),
  ],
}

/** CLIENT PAUSE timeout [WRITE|ALL] (networking.c clientCommand, timeout.c getTimeoutFromObjectOrReply). */
function pause(ctx: CommandContext, argv: string[]): void {
  if (argv.length > 4) return ctx.reply.error(`ERR unknown subcommand or wrong number of arguments for '${argv[1]}'. Try CLIENT HELP.`)
  let type: 'write' | 'all' = 'all'
  if (argv.length === 4) {
    if (is(argv[3], 'write')) type = 'write'
    else if (!is(argv[3], 'all')) return ctx.reply.error('ERR CLIENT PAUSE mode must be WRITE or ALL')
  }
  const t = parseIntStrict(argv[2])
  if (t === null) return ctx.reply.error('ERR timeout is not an integer or out of range')
  if (t < 0n) return ctx.reply.error('ERR timeout is negative')
  // tval 0 stays 0: an end in the past, so no pause at all. Like redis's signed overflow, an
  // end past 2^63-1 ms is in the past too.
  let end = t === 0n ? 0n : t + BigInt(ctx.server.clock.now())
  if (end > 9223372036854775807n) end = -1n
  pauseClients(ctx.server, 'client', Number(end), type)
  ctx.reply.ok()
}

function setname(ctx: CommandContext, argv: string[]): void {
  const err = validateClientName(argv[2])
  if (err) return ctx.reply.error(err)
  ctx.session.name = argv[2]
  ctx.reply.ok()
}

function onOff(ctx: CommandContext, argv: string[]): void {
  const flag = argv[1].toLowerCase()
  if (is(argv[2], 'on')) ctx.session.flags.add(flag)
  else if (is(argv[2], 'off')) ctx.session.flags.delete(flag)
  else return ctx.reply.error(E.SYNTAX)
  ctx.reply.ok()
}

function clientType(s: Session): string {
  if (s.flags.has('replica') && !s.flags.has('monitor')) return 'replica'
  if (s.flags.has('master')) return 'master'
  return s.subscriptionCount() > 0 ? 'pubsub' : 'normal'
}

/** One CLIENT LIST line in redis 7.0.15's field order (memory fields: src/node/clientmem.ts). */
export function clientLine(ctx: CommandContext, s: Session): string {
  return clientInfoLine(ctx.server, s, ctx.session)
}

function list(ctx: CommandContext, argv: string[]): void {
  let sessions = [...ctx.server.sessions.values()]
  if (argv.length > 2) {
    if (is(argv[2], 'type') && argv.length === 4) {
      const t = argv[3].toLowerCase() === 'slave' ? 'replica' : argv[3].toLowerCase()
      if (!['normal', 'master', 'replica', 'pubsub'].includes(t)) return ctx.reply.error(`ERR Unknown client type '${argv[3]}'`)
      sessions = sessions.filter((s) => clientType(s) === t)
    } else if (is(argv[2], 'id') && argv.length >= 4) {
      // Any long long is a valid ID (0 and negatives match nobody); each one is looked up in the
      // order given, so an ID named twice lists its client twice, as redis does.
      const ids: number[] = []
      for (const a of argv.slice(3)) {
        const n = parseIntStrict(a)
        if (n === null) return ctx.reply.error('ERR Invalid client ID')
        ids.push(Number(n))
      }
      const byId = new Map(sessions.map((s) => [s.id, s]))
      sessions = ids.flatMap((id) => byId.get(id) ?? [])
    } else return ctx.reply.error(E.SYNTAX)
  }
  ctx.reply.verbatim(sessions.map((s) => clientLine(ctx, s) + '\n').join(''))
}

function kill(ctx: CommandContext, argv: string[]): void {
  const server = ctx.server
  if (argv.length === 3) {
    // Old form: CLIENT KILL addr:port
    const victim = [...server.sessions.values()].find((s) => s.addr === argv[2])
    if (!victim) return ctx.reply.error('ERR No such client')
    ctx.reply.ok()
    if (victim === ctx.session) victim.closeAfterReply = true
    else victim.close()
    return
  }
  if (argv.length % 2 !== 0) return ctx.reply.error(E.SYNTAX)
  let id: number | null = null
  let addr: string | null = null
  let laddr: string | null = null
  let user: string | null = null
  let type: string | null = null
  let skipme = true
  for (let i = 2; i < argv.length; i += 2) {
    const opt = argv[i].toLowerCase()
    const val = argv[i + 1]
    if (opt === 'id') {
      id = intArg(val, 'ERR client-id should be greater than 0')
      if (id <= 0) return ctx.reply.error('ERR client-id should be greater than 0')
    } else if (opt === 'addr') addr = val
    else if (opt === 'laddr') laddr = val
    else if (opt === 'user') {
      if (!server.acl.users.has(val)) return ctx.reply.error(`ERR No such user '${val}'`)
      user = val
    }    else if (opt === 'type') {
      type = val.toLowerCase() === 'slave' ? 'replica' : val.toLowerCase()
      if (!['normal', 'master', 'replica', 'pubsub'].includes(type)) return ctx.reply.error(`ERR Unknown client type '${val}'`)
    } else if (opt === 'skipme') {
      if (is(val, 'yes')) skipme = true
      else if (is(val, 'no')) skipme = false
      else return ctx.reply.error(E.SYNTAX)
    } else return ctx.reply.error(E.SYNTAX)
  }
  let killed = 0
  for (const s of [...server.sessions.values()]) {
    if (id !== null && s.id !== id) continue
    if (addr !== null && s.addr !== addr) continue
    if (laddr !== null && s.laddr !== laddr) continue
    if (user !== null && s.user !== user) continue
    if (type !== null && clientType(s) !== type) continue
    if (skipme && s === ctx.session) continue
    killed++
    if (s === ctx.session) s.closeAfterReply = true
    else s.close()
  }
  ctx.reply.integer(killed)
}

// CLIENT UNBLOCK id [TIMEOUT|ERROR]: 1 if the client was blocked (and is now unblocked), else 0.
function unblock(ctx: CommandContext, argv: string[]): void {
  const parsed = parseIntStrict(argv[2])
  if (parsed === null) return ctx.reply.error('ERR value is not an integer or out of range')
  const id = Number(parsed)
  let withError = false
  if (argv.length === 4) {
    const mode = argv[3].toLowerCase()
    if (mode === 'error') withError = true
    else if (mode !== 'timeout') return ctx.reply.error('ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR')
  } else if (argv.length > 4) return ctx.reply.error(`ERR unknown subcommand or wrong number of arguments for '${argv[1]}'. Try CLIENT HELP.`)
  const target = ctx.server.sessions.get(id)
  ctx.reply.integer(target && unblockClient(ctx.server, target, withError) ? 1 : 0)
}

/** CLIENT HELP (redis addReplyHelp: one status line each). */
const CLIENT_HELP = [
  'CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CACHING (YES|NO)',
  '    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.',
  'GETREDIR',
  '    Return the client ID we are redirecting to when tracking is enabled.',
  'GETNAME',
  '    Return the name of the current connection.',
  'ID',
  '    Return the ID of the current connection.',
  'INFO',
  '    Return information about the current client connection.',
  'KILL <ip:port>',
  '    Kill connection made from <ip:port>.',
  'KILL <option> <value> [<option> <value> [...]]',
  '    Kill connections. Options are:',
  '    * ADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made from the specified address',
  '    * LADDR (<ip:port>|<unixsocket>:0)',
  '      Kill connections made to specified local address',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Kill connections by type.',
  '    * USER <username>',
  '      Kill connections authenticated by <username>.',
  '    * SKIPME (YES|NO)',
  '      Skip killing current connection (default: yes).',
  'LIST [options ...]',
  '    Return information about client connections. Options:',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '      Return clients of specified type.',
  'UNPAUSE',
  '    Stop the current client pause, resuming traffic.',
  'PAUSE <timeout> [WRITE|ALL]',
  '    Suspend all, or just write, clients for <timeout> milliseconds.',
  'REPLY (ON|OFF|SKIP)',
  '    Control the replies sent to the current connection.',
  'SETNAME <name>',
  '    Assign the name <name> to the current connection.',
  'UNBLOCK <clientid> [TIMEOUT|ERROR]',
  '    Unblock the specified blocked client.',
  'TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]',
  '         [OPTIN] [OPTOUT] [NOLOOP]',
  '    Control server assisted client side caching.',
  'TRACKINGINFO',
  '    Report tracking status for the current connection.',
  'NO-EVICT (ON|OFF)',
  '    Protect current client connection from eviction.',
  'HELP',
  '    Prints this help.',
]
