import {BaseCommand} from '../../src/cli/base-command.js'
import {clusterFlags, clusterRef, kindWord, refFlags} from '../../src/cli/local-flags.js'
import {stopLocalCluster} from '../../src/local/cluster.js'

export default class LocalStop extends BaseCommand<typeof LocalStop> {
  static override summary = 'Stop the nodes of a local cluster gracefully (SIGTERM); files and data stay for `local start`'
  static override description = 'Nodes save their data on the way down (persistence rdb or aof). `local destroy` also removes the files.'
  static override examples = ['<%= config.bin %> local stop', '<%= config.bin %> local stop --name ci']
  static override flags = {...clusterFlags}

  async run(): Promise<void> {
    const state = await stopLocalCluster({...clusterRef(this.flags), clean: false})
    const total = state.nodes.length
    this.out.ok(`Stopped ${state.stopped} node(s) of ${kindWord(state)} "${state.name}"${state.stopped < total ? ` (${total - state.stopped} of ${total} were not running)` : ''}; files kept in ${state.dir}.`)
    this.out.line(`Start it again with: redis-ts local start${refFlags(this.flags)}   remove it: redis-ts local destroy${refFlags(this.flags)}`)
    this.finish({name: state.name, dir: state.dir, stopped: state.stopped, total, nodes: state.nodes.map((n) => ({port: n.port, pid: n.pid}))})
  }
}
