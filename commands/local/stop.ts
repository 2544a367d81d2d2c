import {Flags} from '@oclif/core'
import {BaseCommand} from '../../src/cli/base-command.js'
import {stopLocalCluster} from '../../src/local/cluster.js'

export default class LocalStop extends BaseCommand<typeof LocalStop> {
  static override summary = 'Stop a local cluster started by `create` with no addresses (and remove its files)'
  static override examples = ['<%= config.bin %> local stop', '<%= config.bin %> local stop --name ci --keep']
  static override flags = {
    name: Flags.string({default: 'default', description: 'local cluster name'}),
    dir: Flags.string({description: 'state directory (overrides --name)'}),
    keep: Flags.boolean({description: 'keep the state directory (logs, nodes.conf)'}),
  }

  async run(): Promise<void> {
    const state = await stopLocalCluster({name: this.flags.name, dir: this.flags.dir, clean: !this.flags.keep})
    this.out.ok(`Stopped ${state.nodes.length} node(s) of local cluster "${state.name}" (${state.dir})${this.flags.keep ? '' : ', files removed'}.`)
    this.finish({name: state.name, dir: state.dir, stopped: state.nodes.map((n) => ({port: n.port, pid: n.pid}))})
  }
}
