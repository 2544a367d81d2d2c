import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../src/cli/base-command.js'
import {ExitCode, NodePool, delNode, parseAddress} from '../src/index.js'

export default class DelNode extends BaseCommand<typeof DelNode> {
  static override summary = 'Remove a node (also a dead one) from the cluster'
  static override description = `The node must own no slots (reshard them away first). Its replicas are re-pointed to the
master with the fewest replicas, every other node gets CLUSTER FORGET at once, the node itself gets
CLUSTER RESET SOFT when reachable, then waits until no node knows its id. The id may be a unique
prefix, and the node may be dead or unreachable (it is looked up in the seed's view).
Exit code 6 when some node could not be updated.`
  static override examples = ['<%= config.bin %> del-node 127.0.0.1:7000 3c3a0c74', '<%= config.bin %> del-node 127.0.0.1:7000 3c3a0c74aae0b56170ccb03a76b60cfe7dc1912e --json']
  static override args = {
    node: Args.string({required: true, description: 'any node of the cluster (host:port)'}),
    id: Args.string({required: true, description: 'id (or unique prefix) of the node to remove'}),
  }
  static override flags = {
    timeout: Flags.integer({default: 60, min: 1, description: 'seconds to wait until every node forgot the removed node'}),
  }

  async run(): Promise<void> {
    const pool = new NodePool(this.connectOptions())
    try {
      this.out.info(`Removing node ${this.args.id} from cluster ${this.args.node}`)
      const result = await delNode(parseAddress(this.args.node), this.args.id, pool, {
        timeoutMs: this.flags.timeout * 1000,
        onEvent: (e) => {
          if (e.type === 'selected') this.out.line(`Node ${e.address} (${e.id}) ${e.role}${e.reachable ? '' : ' (unreachable: removing it from the other nodes only)'}`)
          else if (e.type === 'replica-moved') this.out.info(`${e.replica} as replica of ${e.master}`)
          else if (e.type === 'forget-sent') this.out.info(`Sending CLUSTER FORGET messages to the cluster... (${e.ok} ok${e.failed ? `, ${e.failed} failed` : ''})`)
          else if (e.type === 'reset') {
            if (e.ok) this.out.info(`Sending CLUSTER RESET SOFT to the deleted node.`)
            else this.out.warning(`CLUSTER RESET SOFT on ${e.address} failed: ${e.error}`)
          }
        },
      })
      for (const f of result.failures) this.out.warning(`${f.address}: ${f.error}`)
      this.out.ok(`Node ${result.address} (${result.id}) removed: ${result.forgotBy.length} node(s) forgot it.`)
      this.finish(result, result.failures.length ? ExitCode.PARTIAL_FAILURE : ExitCode.OK, result.failures.map((f) => `${f.address}: ${f.error}`))
    } finally {
      await pool.close()
    }
  }
}
