import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../src/cli/base-command.js'
import {clusterFlags, clusterRef, kindWord, refFlags} from '../../src/cli/local-flags.js'
import {usageError} from '../../src/errors.js'
import {killNode} from '../../src/local/lifecycle.js'
import {constants} from 'node:os'

export default class LocalKillNode extends BaseCommand<typeof LocalKillNode> {
  static override summary = 'Kill one node of a local cluster or Sentinel setup (default SIGKILL: a crash), for failover drills'
  static override examples = ['<%= config.bin %> local kill-node 7000', '<%= config.bin %> local kill-node 3c3a0c --signal SIGSTOP']
  static override args = {node: Args.string({required: true, description: 'the node: its port or its id (a unique prefix of 4+ characters)'})}
  static override flags = {
    ...clusterFlags,
    signal: Flags.string({default: 'SIGKILL', description: 'signal to send (SIGKILL, SIGTERM, SIGSTOP to freeze it, SIGCONT …)'}),
  }

  async run(): Promise<void> {
    const sig = (this.flags.signal.toUpperCase().startsWith('SIG') ? this.flags.signal.toUpperCase() : `SIG${this.flags.signal.toUpperCase()}`) as NodeJS.Signals
    if (!(sig in constants.signals)) throw usageError(`Unknown signal "${this.flags.signal}"`, 'Use a name such as SIGKILL, SIGTERM, SIGSTOP or SIGCONT.')
    const {state, node} = await killNode(clusterRef(this.flags), this.args.node, sig)
    this.out.ok(`Sent ${sig} to node ${node.port} (pid ${node.pid}) of ${kindWord(state)} "${state.name}".`)
    this.out.line(`Bring it back with: redis-ts local restart-node ${node.port}${refFlags(this.flags)}`)
    this.finish({name: state.name, port: node.port, id: node.id, pid: node.pid, signal: sig})
  }
}
