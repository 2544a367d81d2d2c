import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../src/cli/base-command.js'
import {clusterFlags, clusterRef} from '../../src/cli/local-flags.js'
import {restartNode} from '../../src/local/lifecycle.js'

export default class LocalRestartNode extends BaseCommand<typeof LocalRestartNode> {
  static override summary = 'Restart one node of a local cluster or Sentinel setup (stopped gracefully if running) on its port with its id'
  static override description = 'On a Sentinel setup an old master comes back from its own config and the Sentinels turn it into a replica of the current master (this waits for that); a Sentinel comes back with its sentinel.conf (same id and epoch).'
  static override examples = ['<%= config.bin %> local restart-node 7000']
  static override args = {node: Args.string({required: true, description: 'the node: its port or its id (a unique prefix of 4+ characters)'})}
  static override flags = {
    ...clusterFlags,
    timeout: Flags.integer({default: 60, min: 1, description: 'seconds to wait for the node to answer and the cluster to be ok'}),
  }

  async run(): Promise<void> {
    const r = await restartNode(clusterRef(this.flags), this.args.node, {timeoutMs: this.flags.timeout * 1000})
    const ready = r.state.kind === 'sentinel' ? (r.node.sentinel ? 'knows the master, its replicas and the other Sentinels' : 'the Sentinels list it in its role') : 'the cluster is ok'
    this.out.ok(`${r.node.sentinel ? 'Sentinel' : 'Node'} ${r.node.port} of "${r.state.name}" is back (pid ${r.node.pid}) and ${ready} (${(r.elapsedMs / 1000).toFixed(2)}s).`)
    this.finish({name: r.state.name, port: r.node.port, id: r.node.id, pid: r.node.pid, elapsedMs: r.elapsedMs})
  }
}
