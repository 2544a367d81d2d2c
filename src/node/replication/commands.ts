// Replication commands: REPLCONF PSYNC SYNC REPLICAOF SLAVEOF WAIT ROLE (redis replication.c).
import {ReplyError} from '../errors.js'
import {UNBLOCKED_ROLE_CHANGE} from '../blocking.js'
import {cmd, type CommandContext, type CommandSpec} from '../commands/types.js'
import type {Session} from '../session.js'
import {handleSync} from './master.js'
import {setMaster, unsetMaster} from './role.js'
import {REQ_EXCLUDE_DATA, REQ_EXCLUDE_FUNCTIONS, type Replication} from './state.js'
import {splitArgs} from '../../resp/parser.js'
import {parseIntStrict} from '../commands/util.js'
import {Failover, failoverCommand} from './failover.js'

const WAIT_REPLICA_ERR =
  'ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.'

export function replicationCommands(repl: Replication): CommandSpec[] {
  const waits = new WaitQueue(repl)
  const replicaof = (ctx: CommandContext, argv: string[]) => replicaOf(repl, ctx, argv)
  repl.failover ??= new Failover(repl)
  return [
    cmd('replconf', -1, ['admin', 'noscript', 'loading', 'stale'], 0, (ctx, argv) => replconf(repl, ctx, argv)),
    cmd('psync', -3, ['admin', 'noscript', 'no-multi'], 0, (ctx, argv) => sync(repl, ctx, argv)),
    cmd('sync', 1, ['admin', 'noscript', 'no-multi'], 0, (ctx, argv) => sync(repl, ctx, argv)),
    cmd('replicaof', 3, ['admin', 'noscript', 'stale'], 0, replicaof),
    cmd('slaveof', 3, ['admin', 'noscript', 'stale'], 0, replicaof),
    cmd('wait', 3, ['noscript'], 0, (ctx, argv) => waits.wait(ctx, argv)),
    cmd('role', 1, ['noscript', 'loading', 'stale', 'fast'], 0, (ctx) => role(repl, ctx)),
    failoverCommand(repl.failover),
  ]
}

function sync(repl: Replication, ctx: CommandContext, argv: string[]): void {
  const err = handleSync(repl, ctx.session, argv)
  if (err) ctx.reply.error(err)
}

function replconf(repl: Replication, ctx: CommandContext, argv: string[]): void {
  const s = ctx.session
  if (argv.length % 2 === 0) return ctx.reply.error('ERR syntax error')
  const info = (s.replInfo ??= {listeningPort: 0, ip: '', capaEof: false, capaPsync2: false})
  for (let j = 1; j < argv.length; j += 2) {
    const opt = argv[j].toLowerCase()
    const val = argv[j + 1]
    if (opt === 'listening-port') {
      // a long as string2ll reads it: no leading zeros, no "-0", nothing past 64 bits
      const p = parseIntStrict(val)
      if (p === null) return ctx.reply.error('ERR value is not an integer or out of range')
      info.listeningPort = Number(p)
    } else if (opt === 'ip-address') {
      if (val.length >= 46) return ctx.reply.error(`ERR REPLCONF ip-address provided by replica instance is too long: ${val.length} bytes`)
      info.ip = val
    } else if (opt === 'capa') {
      const c = val.toLowerCase()
      if (c === 'eof') info.capaEof = true
      else if (c === 'psync2') info.capaPsync2 = true
    } else if (opt === 'ack') {
      // No reply, ever (the replica does not read replies on this link).
      const off = parseIntStrict(val)
      if (s.replica && off !== null) repl.ack(s.replica, Number(off))
      return
    } else if (opt === 'getack') {
      if (s.fromMaster) repl.master?.sendAck()
      return
    } else if (opt === 'rdb-only') {
      // Accepted for compatibility with redis-cli --rdb; the value is checked as redis checks it
      // (a long in 0..1), so a bad one is refused with redis's words.
      const n = parseIntStrict(val)
      if (n === null) return ctx.reply.error('ERR value is not an integer or out of range')
      if (n < 0n || n > 1n) return ctx.reply.error('ERR value is out of range, value must between 0 and 1')
    } else if (opt === 'rdb-filter-only') {
      // "include" filters (redis-cli --functions-rdb): everything is out but what is named
      const filters = splitArgs(val)
      if (filters === null) return ctx.reply.error('ERR Missing rdb-filter-only values')
      let req = REQ_EXCLUDE_DATA | REQ_EXCLUDE_FUNCTIONS
      for (const f of filters) {
        if (f.toLowerCase() === 'functions') req &= ~REQ_EXCLUDE_FUNCTIONS
        else return ctx.reply.error(`ERR Unsupported rdb-filter-only option: ${f}`)
      }
      info.req = req
    } else return ctx.reply.error(`ERR Unrecognized REPLCONF option: ${argv[j]}`)
  }
  ctx.reply.ok()
}

function replicaOf(repl: Replication, ctx: CommandContext, argv: string[]): void {
  const server = ctx.server
  if (server.clusterEnabled) return ctx.reply.error('ERR REPLICAOF not allowed in cluster mode.')
  if (repl.failover && repl.failover.state !== 'no-failover') return ctx.reply.error('ERR REPLICAOF not allowed while failing over.')
  const client = `id=${ctx.session.id} addr=${ctx.session.addr} laddr=${ctx.session.laddr} fd=${ctx.session.fd} name=${ctx.session.name}`
  if (argv[1].toLowerCase() === 'no' && argv[2].toLowerCase() === 'one') {
    if (repl.master) {
      unsetMaster(repl)
      server.log.notice(`MASTER MODE enabled (user request from '${client}')`)
    }
    return ctx.reply.ok()
  }
  const parsed = parseIntStrict(argv[2])
  if (parsed === null || parsed < 0n || parsed > 65535n) return ctx.reply.error('ERR Invalid master port')
  const port = Number(parsed)
  const host = argv[1]
  if (repl.master && repl.master.host === host && repl.master.port === port) {
    server.log.notice('REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.')
    return ctx.reply.simple('OK Already connected to specified master')
  }
  setMaster(repl, host, port)
  server.log.notice(`REPLICAOF ${host}:${port} enabled (user request from '${client}')`)
  ctx.reply.ok()
}

function role(repl: Replication, ctx: CommandContext): void {
  const r = ctx.reply
  const link = repl.master
  if (link) {
    r.array(5)
    r.bulk('slave')
    r.bulk(link.host)
    r.integer(link.port)
    r.bulk(link.roleState())
    r.integer(link.connected ? link.reploff : -1)
    return
  }
  repl.flushStream()
  const online = repl.replicas.filter((x) => x.state === 'online')
  r.array(3)
  r.bulk('master')
  r.integer(repl.offset)
  r.array(online.length)
  for (const x of online) {
    r.array(3)
    r.bulk(x.ip)
    r.bulk(String(x.listeningPort))
    r.bulk(String(x.ackOff))
  }
}

interface Waiter {
  session: Session
  offset: number
  num: number
  done: (n: number) => void
  /** Unblocked with an error reply, the connection closed after it (redis disconnectAllBlockedClients). */
  fail: (err: string) => void
}

/** WAIT numreplicas timeout: blocks the client (not the node) until enough replicas acked its last write. */
class WaitQueue {
  private waiters: Waiter[] = []

  constructor(private readonly repl: Replication) {
    repl.onAck = () => this.check()
    repl.onDemote = () => {
      for (const w of [...this.waiters]) w.fail(UNBLOCKED_ROLE_CHANGE)
    }
  }

  wait(ctx: CommandContext, argv: string[]): void | Promise<void> {
    const repl = this.repl
    if (repl.master) return ctx.reply.error(WAIT_REPLICA_ERR)
    const num = parseIntArg(argv[1], 'ERR value is not an integer or out of range')
    const timeout = parseIntArg(argv[2], 'ERR timeout is not an integer or out of range')
    if (timeout < 0) return ctx.reply.error('ERR timeout is negative')
    repl.flushStream()
    const s = ctx.session
    const offset = s.woff
    const acked = repl.countAcked(offset)
    if (acked >= num || s.flags.has('exec')) return ctx.reply.integer(acked)
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined
      const finish = (): boolean => {
        if (!this.waiters.includes(w)) return false
        if (timer) clearTimeout(timer)
        this.waiters = this.waiters.filter((x) => x !== w)
        s.unblock()
        resolve()
        return true
      }
      const w: Waiter = {
        session: s,
        offset,
        num,
        done: (n) => {
          if (this.waiters.includes(w)) ctx.reply.integer(n)
          finish()
        },
        fail: (err) => {
          if (!this.waiters.includes(w)) return
          ctx.reply.error(err)
          s.closeAfterReply = true
          finish()
        },
      }
      this.waiters.push(w)
      // a blocked client (redis BLOCKED_WAIT): INFO blocked_clients, CLIENT LIST flag b
      s.block()
      if (timeout > 0) timer = setTimeout(() => w.done(repl.countAcked(offset)), timeout)
      s.socket?.once('close', () => w.done(0))
      repl.sendGetAck()
    })
  }

  private check(): void {
    for (const w of [...this.waiters]) {
      const n = this.repl.countAcked(w.offset)
      if (n >= w.num) w.done(n)
    }
  }
}

function parseIntArg(v: string, err: string): number {
  // a long long as string2ll reads it: "01" and "-0" are not integers to redis
  const n = parseIntStrict(v)
  if (n === null) throw new ReplyError(err)
  return Number(n)
}
