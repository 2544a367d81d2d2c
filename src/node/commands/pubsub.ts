// Pub/Sub commands (redis 7.0 pubsub.c), sharded pub/sub included. Delivery lives in
// src/node/pubsub.ts (PubSubHub). Shard channels are declared as keys (COMMAND INFO does the
// same) so the cluster slot verdict gives -MOVED / -CROSSSLOT for them like for keys.
import {globMatch} from '../keyspace/glob.js'
import {propagate, PROPAGATE_REPL} from '../propagate.js'
import type {Session} from '../session.js'
import {cmd, helpSubcommand, type CommandContext, type CommandSpec} from './types.js'

type Kind = 'subscribe' | 'psubscribe' | 'ssubscribe'
const F = ['pubsub', 'noscript', 'loading', 'stale', 'subscribed-ok'] as const
const P = ['pubsub', 'loading', 'stale'] as const
export const commands: CommandSpec[] = [
  cmd('subscribe', -2, [...F], 0, (ctx, a) => sub(ctx, a, 'subscribe')),
  cmd('psubscribe', -2, [...F], 0, (ctx, a) => sub(ctx, a, 'psubscribe')),
  cmd('ssubscribe', -2, [...F], [1, -1, 1], (ctx, a) => sub(ctx, a, 'ssubscribe')),
  cmd('unsubscribe', -1, [...F], 0, (ctx, a) => unsub(ctx, a, 'subscribe')),
  cmd('punsubscribe', -1, [...F], 0, (ctx, a) => unsub(ctx, a, 'psubscribe')),
  cmd('sunsubscribe', -1, [...F], [1, -1, 1], (ctx, a) => unsub(ctx, a, 'ssubscribe')),
  cmd('publish', 3, ['pubsub', 'loading', 'stale', 'fast'], 0, publish),
  cmd('spublish', 3, ['pubsub', 'loading', 'stale', 'fast'], [1, 1, 1], spublish),
  {
    ...cmd('pubsub', -2, [], 0, () => undefined),
    subcommands: [
      cmd('channels', -2, [...P], 0, (ctx, a) => channelList(ctx, a, ctx.server.pubsub.channels)),
      cmd('numsub', -2, [...P], 0, (ctx, a) => numsub(ctx, a, ctx.server.pubsub.channels)),
      cmd('numpat', 2, [...P], 0, (ctx) => ctx.reply.integer(ctx.server.pubsub.patterns.size)),
      cmd('shardchannels', -2, [...P], 0, (ctx, a) => channelList(ctx, a, ctx.server.pubsub.shardChannels)),
      cmd('shardnumsub', -2, [...P], 0, (ctx, a) => numsub(ctx, a, ctx.server.pubsub.shardChannels)),
      helpSubcommand([
        'PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
        'CHANNELS [<pattern>]',
        "    Return the currently active channels matching a <pattern> (default: '*').",
        'NUMPAT',
        '    Return number of subscriptions to patterns.',
        'NUMSUB [<channel> ...]',
        '    Return the number of subscribers for the specified channels, excluding',
        '    pattern subscriptions(default: no channels).',
        'SHARDCHANNELS [<pattern>]',
        "    Return the currently active shard level channels matching a <pattern> (default: '*').",
        'SHARDNUMSUB [<shardchannel> ...]',
        '    Return the number of subscribers for the specified shard level channel(s)',
        'HELP',
        '    Prints this help.',
      ]),
    ],
  },
]

/** The count in a (un)subscribe confirmation: shard channels are counted apart (7.0). */
function count(s: Session, kind: Kind): number {
  return kind === 'ssubscribe' ? s.sharded.size : s.channels.size + s.patterns.size
}

function confirm(s: Session, what: string, name: string | null, n: number): void {
  const w = s.reply
  const mark = w.size
  w.push(3)
  w.bulk(what)
  w.bulk(name)
  w.integer(n)
  s.keepPush(mark)
}

function sub(ctx: CommandContext, argv: string[], kind: Kind): void {
  const s = ctx.session
  const hub = ctx.server.pubsub
  // redis: (P)SUBSCRIBE is allowed inside MULTI/EXEC; SSUBSCRIBE is not (CLIENT_DENY_BLOCKING).
  if (kind === 'ssubscribe' && s.flags.has('exec')) return ctx.reply.error("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client")
  for (let i = 1; i < argv.length; i++) {
    if (kind === 'subscribe') hub.subscribe(s, argv[i])
    else if (kind === 'psubscribe') hub.psubscribe(s, argv[i])
    else hub.ssubscribe(s, argv[i])
    confirm(s, kind, argv[i], count(s, kind))
  }
}

function unsub(ctx: CommandContext, argv: string[], kind: Kind): void {
  const s = ctx.session
  const hub = ctx.server.pubsub
  const word = kind === 'subscribe' ? 'unsubscribe' : kind === 'psubscribe' ? 'punsubscribe' : 'sunsubscribe'
  const own = kind === 'subscribe' ? s.channels : kind === 'psubscribe' ? s.patterns : s.sharded
  const names = argv.length > 1 ? argv.slice(1) : [...own]
  if (names.length === 0) return confirm(s, word, null, count(s, kind))
  for (const n of names) {
    if (kind === 'subscribe') hub.unsubscribe(s, n)
    else if (kind === 'psubscribe') hub.punsubscribe(s, n)
    else hub.sunsubscribe(s, n)
    confirm(s, word, n, count(s, kind))
  }
}

function publish(ctx: CommandContext, argv: string[]): void {
  const n = ctx.server.pubsub.deliver(argv[1], argv[2])
  // redis 7.0: a cluster spreads PUBLISH over the bus; a standalone master replicates it (not to the AOF).
  if (ctx.server.cluster) ctx.server.cluster.publish?.(argv[1], argv[2])
  else propagate(ctx.server, ctx.session.dbIndex, argv, PROPAGATE_REPL)
  ctx.reply.integer(n)
}

/** SPUBLISH: local shard subscribers, then PUBLISHSHARD to the rest of this shard only. */
function spublish(ctx: CommandContext, argv: string[]): void {
  const n = ctx.server.pubsub.deliverShard(argv[1], argv[2])
  if (ctx.server.cluster) ctx.server.cluster.publishShard?.(argv[1], argv[2])
  else propagate(ctx.server, ctx.session.dbIndex, argv, PROPAGATE_REPL)
  ctx.reply.integer(n)
}

function channelList(ctx: CommandContext, argv: string[], index: Map<string, Set<Session>>): void {
  if (argv.length > 3) return ctx.reply.error(`ERR unknown subcommand or wrong number of arguments for '${argv[1]}'. Try PUBSUB HELP.`)
  const pat = argv[2]
  const out = [...index.keys()].filter((c) => pat === undefined || globMatch(pat, c))
  ctx.reply.bulks(out, out.length)
}

/** NUMSUB / SHARDNUMSUB: a flat array (not a map) in RESP2 and RESP3 alike. */
function numsub(ctx: CommandContext, argv: string[], index: Map<string, Set<Session>>): void {
  ctx.reply.array((argv.length - 2) * 2)
  for (const c of argv.slice(2)) {
    ctx.reply.bulk(c)
    ctx.reply.integer(index.get(c)?.size ?? 0)
  }
}
