import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../src/cli/base-command.js'
import {clusterFlags, clusterRef} from '../../src/cli/local-flags.js'
import {restartNode} from '../../src/local/lifecycle.js'

export default class LocalRestartNode extends BaseCommand<typeof LocalRestartNode> {
  static override summary = 'Restart one node of a local cluster (stopped gracefully if running) on its port with its id'
  static override examples = ['<%= config.bin %> local restart-node 7000']
  static override args = {node: Args.string({required: true, description: 'the node: its port or its id (a unique prefix of 4+ characters)'})}
  static override flags = {
    ...clusterFlags,
    timeout: Flags.integer({default: 60, min: 1, description: 'seconds to wait for the node to answer and the cluster to be ok'}),
  }

  async run(): Promise<void> {
    const r = await restartNode(clusterRef(this.flags), this.args.node, {timeoutMs: this.flags.timeout * 1000})
    this.out.ok(`Node ${r.node.port} of "${r.state.name}" is back (pid ${r.node.pid}) and the cluster is ok (${(r.elapsedMs / 1000).toFixed(2)}s).`)
    this.finish({name: r.state.name, port: r.node.port, id: r.node.id, pid: r.node.pid, elapsedMs: r.elapsedMs})
  }
}
