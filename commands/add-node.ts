import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../src/cli/base-command.js'
import {NodePool, addNode, parseAddress} from '../src/index.js'

export default class AddNode extends BaseCommand<typeof AddNode> {
  static override summary = 'Add an empty node to a cluster, as a master or as a replica'
  static override description = `Refuses when the cluster has problems (run fix first) or when the new node is not reachable,
not cluster-enabled or not empty. A new master gets the cluster's FUNCTION libraries. Sends
CLUSTER MEET and waits until every node knows the new node and agrees, so another add-node can
follow immediately. With --replica, the master is --master-id (a unique id prefix is enough) or
the master with the fewest replicas, preferring one on another host, and the command returns once
the replica finished its initial sync (master_link_status:up); --timeout bounds every wait (exit 7).`
  static override examples = [
    '<%= config.bin %> add-node 127.0.0.1:7006 127.0.0.1:7000',
    '<%= config.bin %> add-node 127.0.0.1:7007 127.0.0.1:7000 --replica --master-id 3c3a0c',
  ]
  static override args = {
    new_node: Args.string({required: true, description: 'the empty node to add (host:port)'}),
    existing_node: Args.string({required: true, description: 'any node of the cluster (host:port)'}),
  }
  static override flags = {
    replica: Flags.boolean({aliases: ['cluster-slave', 'slave', 'cluster-replica'], description: 'add the node as a replica'}),
    'master-id': Flags.string({aliases: ['cluster-master-id'], description: 'master to replicate (id or unique prefix); implies --replica'}),
    timeout: Flags.integer({default: 60, min: 1, description: 'seconds to wait for the cluster to agree (and a new replica to sync)'}),
  }

  async run(): Promise<void> {
    const newAddr = parseAddress(this.args.new_node)
    const seed = parseAddress(this.args.existing_node)
    const replica = this.flags.replica || this.flags['master-id'] !== undefined
    const pool = new NodePool(this.connectOptions())
    try {
      this.out.info(`Adding node ${this.args.new_node} to cluster ${this.args.existing_node}`)
      const result = await addNode(newAddr, seed, pool, {
        replica,
        masterId: this.flags['master-id'],
        timeoutMs: this.flags.timeout * 1000,
        onEvent: (e) => {
          if (e.type === 'master-selected') this.out.line(`${e.automatic ? 'Automatically selected' : 'Selected'} master ${e.master} (${e.id})`)
          else if (e.type === 'functions-copied') this.out.info(`Copied ${e.libraries} function librar${e.libraries === 1 ? 'y' : 'ies'} to the new node`)
          else if (e.type === 'meet-sent') this.out.info(`Send CLUSTER MEET to node ${this.args.new_node} to make it join the cluster.`)
          else if (e.type === 'joined') this.out.info(`All nodes know the new node and agree (${(e.elapsedMs / 1000).toFixed(2)}s)`)
          else if (e.type === 'replicate') this.out.info(`Configure node as replica of ${e.master}.`)
          else if (e.type === 'synced') this.out.info(`The replica finished its initial sync (${(e.elapsedMs / 1000).toFixed(2)}s)`)
          else if (e.type === 'restore-failed') this.out.warn(`Could not restore cluster-node-timeout on ${e.node}: ${e.error}`)
        },
      })
      this.out.ok(`New node added correctly: ${result.address} (${result.id}) as ${result.role}${result.master ? ` of ${result.master.address}` : ''}.`)
      this.finish(result)
    } finally {
      await pool.close()
    }
  }
}
