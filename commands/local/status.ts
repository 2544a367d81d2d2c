import {Flags} from '@oclif/core'
import {BaseCommand} from '../../src/cli/base-command.js'
import {clusterFlags, clusterRef} from '../../src/cli/local-flags.js'
import {ExitCode} from '../../src/errors.js'
import {clusterStatus, loadState} from '../../src/local/lifecycle.js'
import {sentinelStatus} from '../../src/local/sentinel-status.js'
import {envLines, renderStatus, statusJson} from '../../src/ui/local.js'
import {renderSentinelStatus} from '../../src/ui/local-sentinel.js'

export default class LocalStatus extends BaseCommand<typeof LocalStatus> {
  static override summary = 'Show the nodes of a local cluster (address, role, id, slots, keys, link, pid, health) or Sentinel setup'
  static override description = `Exit code 0 when every node runs and is healthy, 3 otherwise. --env prints REDIS_CLUSTER_NODES / REDIS_CLUSTER_SEED lines (for $GITHUB_ENV) of the running nodes.
A Sentinel setup (create --sentinel) shows master, replicas and Sentinels (run id or Sentinel id, the master each replica
replicates or each Sentinel names, link, offset, pid, health) and whether the Sentinels agree; --env prints
REDIS_SENTINELS=host:port,… and REDIS_SENTINEL_MASTER=<name>.`
  static override examples = ['<%= config.bin %> local status', '<%= config.bin %> local status --name ci --json', '<%= config.bin %> local status --env >> "$GITHUB_ENV"']
  static override flags = {
    ...clusterFlags,
    env: Flags.boolean({description: 'print REDIS_CLUSTER_NODES=… and REDIS_CLUSTER_SEED=… lines (Sentinel setups: REDIS_SENTINELS=… and REDIS_SENTINEL_MASTER=…) on stdout'}),
  }

  async run(): Promise<void> {
    const state = loadState(clusterRef(this.flags))
    if (state.kind === 'sentinel') {
      const st = await sentinelStatus(state)
      renderSentinelStatus(this.out, st)
      if (this.flags.env) process.stdout.write(Object.entries(st.env).map(([k, v]) => `${k}=${v}`).join('\n') + '\n')
      return this.finish(st, st.healthy ? ExitCode.OK : ExitCode.CLUSTER_PROBLEMS)
    }
    const s = await clusterStatus(clusterRef(this.flags))
    renderStatus(this.out, s)
    if (this.flags.env) process.stdout.write(envLines(s.nodes.filter((n) => n.pid !== null), s.tls).join('\n') + '\n')
    this.finish(statusJson(s), s.healthy ? ExitCode.OK : ExitCode.CLUSTER_PROBLEMS)
  }
}
