import {Args} from '@oclif/core'
import {BaseCommand} from '../src/cli/base-command.js'
import {ExitCode, NodePool, clusterInfo, parseAddress} from '../src/index.js'
import {renderInfo} from '../src/ui/format/view.js'

export default class Info extends BaseCommand<typeof Info> {
  static override summary = 'Per-master keys, slots, replicas and memory, with totals; per replica its master link and lag'
  static override description = 'Exit code 3 when a master is unreachable (its keys cannot be counted).'
  static override examples = ['<%= config.bin %> info 127.0.0.1:7000']
  static override args = {node: Args.string({required: true, description: 'any node of the cluster (host:port)'})}

  async run(): Promise<void> {
    const pool = new NodePool(this.connectOptions())
    try {
      const {info} = await clusterInfo(parseAddress(this.args.node), pool)
      renderInfo(this.out, info)
      const down = info.masters.filter((m) => !m.reachable).length
      this.finish(info, down ? ExitCode.CLUSTER_PROBLEMS : ExitCode.OK, down ? [`${down} master(s) unreachable: key counts are partial`] : [])
    } finally {
      await pool.close()
    }
  }
}
