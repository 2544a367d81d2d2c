// DEBUG subcommands the cluster layer adds to the node (registered in server.debugSubcommands, so
// DEBUG's enable-debug-command gate applies): Redis 7.0.15's DROP-CLUSTER-PACKET-FILTER, and a
// redis-ts-only per-peer drop switch that makes partitions for failover tests (reliability.md §7.1).
import type {DebugSubcommand} from '../commands/types.js'
import {ReplyError} from '../errors.js'
import {intArg} from '../commands/util.js'
import type {ClusterState} from './state.js'

export function clusterDebugSubcommands(st: ClusterState): [string, DebugSubcommand][] {
  return [
    ['drop-cluster-packet-filter', {
      help: [
        'DROP-CLUSTER-PACKET-FILTER <packet-type>',
        '    Drop all packets that match the filtered type. Set to -1 allow all packets.',
      ],
      // debug.c: argc == 3, any long; clusterProcessPacket compares it with the 16-bit type.
      handler: (ctx, argv) => {
        if (argv.length !== 3) return ctx.reply.error(`ERR unknown subcommand or wrong number of arguments for '${argv[1]}'. Try DEBUG HELP.`)
        st.dropPacketType = intArg(argv[2])
        ctx.reply.ok()
      },
    }],
    ['cluster-drop-peers', {
      help: [
        'CLUSTER-DROP-PEERS [<node-id> ...]',
        '    redis-ts only (not in Redis): silently drop all cluster bus traffic to and from',
        '    these nodes, both directions, as a network partition would. Replaces the previous',
        '    list; without arguments all traffic flows again.',
      ],
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
