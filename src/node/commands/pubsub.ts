// Pub/Sub commands (redis pubsub.c). Delivery lives in src/node/pubsub.ts (PubSubHub).
import {globMatch} from '../keyspace/glob.js'
import {propagate, PROPAGATE_REPL} from '../propagate.js'
import {cmd, type CommandContext, type CommandSpec} from './types.js'

const F = ['pubsub', 'noscript', 'loading', 'stale', 'subscribed-ok'] as const
export const commands: CommandSpec[] = [
  cmd('subscribe', -2, [...F], 0, (ctx, a) => sub(ctx, a, 'subscribe')),
  cmd('psubscribe', -2, [...F], 0, (ctx, a) => sub(ctx, a, 'psubscribe')),
  cmd('unsubscribe', -1, [...F], 0, (ctx, a) => unsub(ctx, a, 'unsubscribe')),
  cmd('punsubscribe', -1, [...F], 0, (ctx, a) => unsub(ctx, a, 'punsubscribe')),
  cmd('publish', 3, ['pubsub', 'loading', 'stale', 'fast'], 0, publish),
  {
    ...cmd('pubsub', -2, [], 0, () => undefined),
    subcommands: [
      cmd('channels', -2, ['pubsub', 'loading', 'stale'], 0, channels),
      cmd('numsub', -2, ['pubsub', 'loading', 'stale'], 0, numsub),
      cmd('numpat', 2, ['pubsub', 'loading', 'stale'], 0, (ctx) => ctx.reply.integer(ctx.server.pubsub.patterns.size)),
      cmd('shardchannels', -2, ['pubsub', 'loading', 'stale'], 0, (ctx) => ctx.reply.array(0)),
      cmd('shardnumsub', -2, ['pubsub', 'loading', 'stale'], 0, (ctx, a) => {
        ctx.reply.map(a.length - 2)
        for (const c of a.slice(2)) {
          ctx.reply.bulk(c)
          ctx.reply.integer(0)
        }
      }),
      cmd('help', 2, ['loading', 'stale'], 0, (ctx) => {
        const l = ['PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:', 'CHANNELS [<pattern>]', 'NUMPAT', 'NUMSUB [<channel> ...]', 'HELP']
        ctx.reply.bulks(l, l.length)
      }),
    ],
  },
]

function sub(ctx: CommandContext, argv: string[], kind: 'subscribe' | 'psubscribe'): void {
  const s = ctx.session
  const hub = ctx.server.pubsub
  if (s.flags.has('exec')) return ctx.reply.error(`ERR ${kind.toUpperCase()} isn't allowed for a DENY BLOCKING client`)
  for (let i = 1; i < argv.length; i++) {
    if (kind === 'subscribe') hub.subscribe(s, argv[i])
    else hub.psubscribe(s, argv[i])
    ctx.reply.push(3)
    ctx.reply.bulk(kind)
    ctx.reply.bulk(argv[i])
    ctx.reply.integer(s.subscriptionCount())
  }
}

function unsub(ctx: CommandContext, argv: string[], kind: 'unsubscribe' | 'punsubscribe'): void {
  const s = ctx.session
  const hub = ctx.server.pubsub
  const names = argv.length > 1 ? argv.slice(1) : [...(kind === 'unsubscribe' ? s.channels : s.patterns)]
  if (names.length === 0) {
    ctx.reply.push(3)
    ctx.reply.bulk(kind)
    ctx.reply.nil()
    ctx.reply.integer(s.subscriptionCount())
    return
  }
  for (const n of names) {
    if (kind === 'unsubscribe') hub.unsubscribe(s, n)
    else hub.punsubscribe(s, n)
    ctx.reply.push(3)
    ctx.reply.bulk(kind)
    ctx.reply.bulk(n)
    ctx.reply.integer(s.subscriptionCount())
  }
}

function publish(ctx: CommandContext, argv: string[]): void {
  const n = ctx.server.pubsub.deliver(argv[1], argv[2])
  // redis 7.0: a cluster spreads PUBLISH over the bus; a standalone master replicates it (not to the AOF).
  if (ctx.server.cluster) ctx.server.cluster.publish?.(argv[1], argv[2])
  else propagate(ctx.server, ctx.session.dbIndex, argv, PROPAGATE_REPL)
  ctx.reply.integer(n)
}

function channels(ctx: CommandContext, argv: string[]): void {
  if (argv.length > 3) return ctx.reply.error(`ERR wrong number of arguments for 'pubsub|channels' command`)
  const pat = argv[2]
  const out = [...ctx.server.pubsub.channels.keys()].filter((c) => pat === undefined || globMatch(pat, c))
  ctx.reply.bulks(out, out.length)
}

function numsub(ctx: CommandContext, argv: string[]): void {
  ctx.reply.map(argv.length - 2)
  for (const c of argv.slice(2)) {
    ctx.reply.bulk(c)
    ctx.reply.integer(ctx.server.pubsub.channels.get(c)?.size ?? 0)
  }
}

