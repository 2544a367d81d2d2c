import {Flags} from '@oclif/core'
import {BaseCommand} from '../../src/cli/base-command.js'
import {clusterFlags, clusterRef, kindWord} from '../../src/cli/local-flags.js'
import {addLocalNode} from '../../src/local/lifecycle.js'

export default class LocalAddNode extends BaseCommand<typeof LocalAddNode> {
  static override summary = 'Start a new node next to a local cluster and add it (as a master, or a replica with --replica)'
  static override description = 'On a Sentinel setup only --replica: a new replica of the current master, which every Sentinel then lists. The node is joined through the same executor as `redis-ts add-node` and recorded in the state file, so stop, start and destroy include it. A new master has no slots: move some with `redis-ts reshard` or `rebalance --use-empty-masters`.'
  static override examples = ['<%= config.bin %> local add-node', '<%= config.bin %> local add-node --replica']
  static override flags = {
    ...clusterFlags,
    replica: Flags.boolean({description: 'add the node as a replica (of the master with the fewest replicas, or --master-id)'}),
    'master-id': Flags.string({description: 'master to replicate (id or unique prefix); implies --replica'}),
    timeout: Flags.integer({default: 60, min: 1, description: 'seconds to wait for the cluster to agree (and the replica to sync)'}),
  }

  async run(): Promise<void> {
    const {state, node, result} = await addLocalNode(clusterRef(this.flags), {
      replica: this.flags.replica,
      ...(this.flags['master-id'] ? {masterId: this.flags['master-id']} : {}),
      timeoutMs: this.flags.timeout * 1000,
      onEvent: (e) => {
        if (e.type === 'spawned') this.out.info(`Started a node on port ${e.port}`)
        else if (e.type === 'joined') this.out.info(`All nodes know the new node and agree (${(e.elapsedMs / 1000).toFixed(2)}s)`)
        else if (e.type === 'replicate') this.out.info(`Configured as replica of ${e.master}`)
      },
    })
    this.out.ok(`Added ${result.address} (${result.id}) to ${kindWord(state)} "${state.name}" as ${result.role}${result.master ? ` of ${result.master.address}` : ''}.`)
    this.finish({name: state.name, port: node.port, pid: node.pid, ...result})
  }
}
