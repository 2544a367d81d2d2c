import {BaseCommand} from '../../src/cli/base-command.js'
import {clusterFlags, clusterRef, kindWord} from '../../src/cli/local-flags.js'
import {destroyCluster} from '../../src/local/lifecycle.js'

export default class LocalDestroy extends BaseCommand<typeof LocalDestroy> {
  static override summary = 'Kill the nodes of a local cluster and remove its directory (data, logs, nodes.conf)'
  static override examples = ['<%= config.bin %> local destroy', '<%= config.bin %> local destroy --name ci']
  static override flags = {...clusterFlags}

  async run(): Promise<void> {
    const {state, stopped} = await destroyCluster(clusterRef(this.flags))
    this.out.ok(`Destroyed ${kindWord(state)} "${state.name}": ${stopped} running node(s) stopped, ${state.dir} removed.`)
    this.finish({name: state.name, dir: state.dir, stopped, total: state.nodes.length})
  }
}
