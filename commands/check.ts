import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../src/cli/base-command.js'
import {ExitCode, NodePool, checkCluster, parseAddress} from '../src/index.js'
import {checkJson, renderCheck} from '../src/ui/format/view.js'

export default class Check extends BaseCommand<typeof Check> {
  static override summary = 'Check the health of a Redis Cluster'
  static override description = `Loads the cluster from one seed node (every node's own view, in parallel) and reports:
slot-configuration disagreement, open (migrating/importing) slots, uncovered slots, slots on failed
nodes, unreachable masters and replicas, replicas of unknown masters, masters without replicas, and per
replica its master link (INFO replication: link status, offset lag in bytes, seconds since the last
I/O, full sync in progress): a link down or a full sync running is a warning.

Exit codes: 0 healthy, 3 problems found, 4 seed unreachable, 2 bad input.`
  static override examples = ['<%= config.bin %> check 127.0.0.1:7000', '<%= config.bin %> check 127.0.0.1:7000 --json']
  static override args = {
    node: Args.string({required: true, description: 'a node of the cluster, or a Sentinel with --sentinel (host:port)'}),
    master: Args.string({required: false, description: 'with --sentinel: the master name'}),
  }
  static override flags = {
    sentinel: Flags.boolean({description: 'check a Sentinel-managed master group instead: check --sentinel <sentinel-addr> <master-name>'}),
    'search-multiple-owners': Flags.boolean({aliases: ['cluster-search-multiple-owners'], description: 'Also look for slots with keys on more than one master (one pipeline per master)'}),
  }

  async run(): Promise<void> {
    if (this.flags.sentinel) return (await import('../src/cli/sentinel.js')).sentinelCheckCommand(this.out, (r, c) => this.finish(r, c), this.args.node, this.args.master, this.connectOptions())
    const seed = parseAddress(this.args.node)
    const pool = new NodePool(this.connectOptions())
    try {
      const multipleOwners = this.flags['search-multiple-owners']
      const {view, report} = await checkCluster(seed, pool, {multipleOwners})
      renderCheck(this.out, view, report, {multipleOwners})
      const code = report.healthy ? ExitCode.OK : ExitCode.CLUSTER_PROBLEMS
      this.finish(checkJson(view, report), code)
    } finally {
      await pool.close()
    }
  }
}
