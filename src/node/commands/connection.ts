// Connection commands: PING ECHO QUIT RESET AUTH HELLO SELECT READONLY READWRITE ASKING CLIENT.
import {cstr, E} from '../errors.js'
import {REDIS_VERSION} from '../version.js'
import {cmd, type CommandContext, type CommandSpec} from './types.js'
import {intArg, is, validateClientName} from './util.js'
import {clientCommand} from './client.js'
import {existingTracking} from '../tracking.js'
import {REPLY_ON, REPLY_SKIP} from '../reply-mode.js'

export const commands: CommandSpec[] = [
  cmd('ping', -1, ['fast', 'subscribed-ok'], 0, ping),
  cmd('echo', 2, ['fast', 'loading', 'stale'], 0, (ctx, argv) => ctx.reply.bulk(argv[1])),
  cmd('quit', -1, ['noauth', 'loading', 'stale', 'fast', 'subscribed-ok', 'noscript'], 0, quit),
  cmd('reset', 1, ['noauth', 'loading', 'stale', 'fast', 'subscribed-ok', 'noscript'], 0, reset),
  cmd('auth', -2, ['noauth', 'loading', 'stale', 'fast', 'noscript'], 0, auth),
  cmd('hello', -1, ['noauth', 'loading', 'stale', 'fast', 'noscript'], 0, hello),
  cmd('select', 2, ['loading', 'stale', 'fast'], 0, select),
  cmd('readonly', 1, ['loading', 'stale', 'fast'], 0, (ctx) => clusterFlag(ctx, () => (ctx.session.readonlyMode = true))),
  cmd('readwrite', 1, ['loading', 'stale', 'fast'], 0, (ctx) => clusterFlag(ctx, () => (ctx.session.readonlyMode = false))),
  cmd('asking', 1, ['fast'], 0, (ctx) => clusterFlag(ctx, () => (ctx.session.asking = true))),
  clientCommand,
]

function ping(ctx: CommandContext, argv: string[]): void {
  if (argv.length > 2) return ctx.reply.error("ERR wrong number of arguments for 'ping' command")
  const s = ctx.session
  if (s.resp === 2 && s.subscriptionCount() > 0) {
    // RESP2 subscribed mode: PING answers as a pub/sub style array (redis pingCommand).
    ctx.reply.array(2)
    ctx.reply.bulk('pong')
    ctx.reply.bulk(argv.length === 2 ? argv[1] : '')
    return
  }
  if (argv.length === 2) ctx.reply.bulk(argv[1])
  else ctx.reply.simple('PONG')
}

function quit(ctx: CommandContext): void {
  ctx.reply.ok()
  ctx.session.closeAfterReply = true
}

function reset(ctx: CommandContext): void {
  const s = ctx.session
  s.multi = null
  ctx.server.unwatchAll(s)
  ctx.server.pubsub.removeSession(s)
  s.resp = 2
  s.dbIndex = 0
  s.name = ''
  s.asking = false
  s.readonlyMode = false
  // clearClientConnectionState: tracking off, replies on, no longer a MONITOR.
  existingTracking(ctx.server)?.disable(s)
  // clearClientConnectionState clears CLIENT_REPLY_OFF and _SKIP_NEXT, not CLIENT_REPLY_SKIP: a
  // RESET right after CLIENT REPLY SKIP is the command whose reply is skipped
  if (s.replyMode !== REPLY_SKIP) s.replyMode = REPLY_ON
  if (s.flags.delete('monitor')) {
    s.flags.delete('replica')
    ctx.server.insight.monitors.delete(s)
  }
  // redis clientSetDefaultAuth
  s.aclUser = ctx.server.acl.defaultUser
  s.authenticated = !ctx.server.acl.defaultAuthRequired
  ctx.reply.simple('RESET')
}

function auth(ctx: CommandContext, argv: string[]): void {
  if (argv.length > 3) return ctx.reply.error(E.SYNTAX)
  const s = ctx.session
  if (argv.length === 2 && ctx.server.acl.defaultUser.nopass) return ctx.reply.error(E.AUTH_NOPASS)
  const [user, pass] = argv.length === 2 ? ['default', argv[1]] : [argv[1], argv[2]]
  if (!ctx.server.acl.authenticate(s, user, pass, argv[0])) {
    ctx.server.log.verbose(`AUTH failed for client id=${s.id} addr=${s.addr}`)
    return ctx.reply.error(E.WRONGPASS)
  }
  ctx.reply.ok()
}

function hello(ctx: CommandContext, argv: string[]): void {
  const s = ctx.session
  let ver = s.resp as number
  let i = 1
  if (argv.length >= 2) {
    const v = intArg(argv[1], 'ERR Protocol version is not an integer or out of range')
    if (v < 2 || v > 3) return ctx.reply.error(E.NOPROTO)
    ver = v
    i = 2
  }
  // redis helloCommand: each option takes effect as it is read (a SETNAME before a bad option or a
  // failed AUTH is kept), then the authentication check
  for (; i < argv.length; i++) {
    const more = argv.length - i - 1
    if (is(argv[i], 'auth') && more >= 2) {
      if (!ctx.server.acl.authenticate(s, argv[i + 1], argv[i + 2], argv[0])) return ctx.reply.error(E.WRONGPASS)
      i += 2
    } else if (is(argv[i], 'setname') && more >= 1) {
      const err = validateClientName(argv[++i])
      if (err) return ctx.reply.error(err)
      s.name = argv[i]
    } else return ctx.reply.error(`ERR Syntax error in HELLO option '${cstr(argv[i])}'`)
  }
  if (s.authRequired()) return ctx.reply.error('NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time')
  s.resp = ver as 2 | 3
  const r = ctx.reply
  r.map(7)
  r.bulk('server')
  r.bulk('redis')
  r.bulk('version')
  r.bulk(REDIS_VERSION)
  r.bulk('proto')
  r.integer(ver)
  r.bulk('id')
  r.integer(s.id)
  r.bulk('mode')
  r.bulk(ctx.server.clusterEnabled ? 'cluster' : 'standalone')
  r.bulk('role')
  r.bulk(ctx.server.cluster?.isReplica?.() ? 'replica' : 'master')
  r.bulk('modules')
  r.array(0)
}

function select(ctx: CommandContext, argv: string[]): void {
  const id = intArg(argv[1])
  if (ctx.server.clusterEnabled && id !== 0) return ctx.reply.error(E.SELECT_CLUSTER)
  if (id < 0 || id >= ctx.server.databaseCount) return ctx.reply.error(E.DB_INDEX)
  ctx.session.dbIndex = id
  ctx.reply.ok()
}

function clusterFlag(ctx: CommandContext, apply: () => void): void {
  if (!ctx.server.clusterEnabled) return ctx.reply.error('ERR This instance has cluster support disabled')
  apply()
  ctx.reply.ok()
}
