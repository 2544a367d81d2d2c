// DEBUG subcommands the cluster layer adds to the node (registered in server.debugSubcommands; DEBUG's
// enable-debug-command gate applies): Redis 7.0.15's DROP-CLUSTER-PACKET-FILTER, and a
// redis-ts-only per-peer drop switch that makes partitions for failover tests (reliability.md §7.1).
import type {DebugSubcommand} from '../commands/types.js'
import {ReplyError} from '../errors.js'
import {debugSubcommandError, intArg} from '../commands/util.js'
import type {ClusterState} from './state.js'

/** DEBUG CLUSTERLINK where cluster mode is off (registered by the node; the cluster layer replaces it). */
export const clusterlinkStandalone: DebugSubcommand = {
  handler: (ctx, argv) => {
    if (argv.length !== 5 || argv[2].toLowerCase() !== 'kill') throw debugSubcommandError(argv)
    ctx.reply.error('ERR Debug option only available for cluster mode enabled setup!')
  },
}

/** DEBUG DROP-CLUSTER-PACKET-FILTER where cluster mode is off: redis sets the filter all the same. */
export const dropPacketFilterStandalone: DebugSubcommand = {
  handler: (ctx, argv) => {
    if (argv.length !== 3) throw debugSubcommandError(argv)
    intArg(argv[2])
    ctx.reply.ok()
  },
}

export function clusterDebugSubcommands(st: ClusterState): [string, DebugSubcommand][] {
  return [
    ['drop-cluster-packet-filter', {
      // debug.c: argc == 3, any long; clusterProcessPacket compares it with the 16-bit type.
      handler: (ctx, argv) => {
        if (argv.length !== 3) throw debugSubcommandError(argv)
        st.dropPacketType = intArg(argv[2])
        ctx.reply.ok()
      },
    }],
    ['clusterlink', {
      handler: (ctx, argv) => {
        if (argv.length !== 5 || argv[2].toLowerCase() !== 'kill') throw debugSubcommandError(argv)
        const n = st.lookup(argv[4])
        if (!n) throw new ReplyError(`ERR Unknown node ${argv[4]}`)
        const dir = argv[3].toLowerCase()
        if (dir === 'from' || dir === 'all') st.freeLink(n, n.inboundLink)
        if (dir === 'to' || dir === 'all') st.freeLink(n, n.link)
        // redis 7.0.15 has no return after this error: +OK follows it (two replies)
        if (dir !== 'from' && dir !== 'to' && dir !== 'all') ctx.reply.error(`ERR Unknown direction ${argv[3]}`)
        ctx.reply.ok()
      },
    }],
    // redis-ts only (not in Redis, nor in DEBUG HELP): CLUSTER-DROP-PEERS [<node-id> ...] silently
    // drops all bus traffic to and from these nodes, both directions, as a network partition
    // would; it replaces the previous list, and without arguments all traffic flows again.
    ['cluster-drop-peers', {
      handler: (ctx, argv) => {
        const ids = argv.slice(2)
        for (const id of ids) if (!st.lookup(id)) throw new ReplyError(`ERR Unknown node ${id}`)
        st.dropPeers.clear()
        for (const id of ids) st.dropPeers.add(id)
        st.log(ids.length ? `Dropping all cluster bus traffic with ${ids.join(' ')} (DEBUG CLUSTER-DROP-PEERS)` : 'Cluster bus traffic flows to every peer again (DEBUG CLUSTER-DROP-PEERS)')
        ctx.reply.ok()
      },
    }],
  ]
}
