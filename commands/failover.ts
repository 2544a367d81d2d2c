import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../src/cli/base-command.js'
import {NodePool, applyFailover, parseAddress, prepareFailover, usageError, DEFAULT_MAX_LAG} from '../src/index.js'

export default class Failover extends BaseCommand<typeof Failover> {
  static override summary = 'Promote a replica to master (manual failover), measuring the write pause'
  static override description = `Plain: the safe manual failover of a healthy master (CLUSTER FAILOVER: the master pauses
writes, the replica catches up, then takes over; no acknowledged write is lost). Refused when the
replica lags (link down, full sync, or more than --max-lag bytes behind) or the master is down.
--force: for a dead or unreachable master (no hand-over, still an election). --takeover: no
election either (a majority of masters is unreachable). Either one on a healthy master needs a
confirmation (--yes), as it can lose writes. Waits until every reachable node agrees the replica is
master (and the old master, when reachable, follows it), bounded by --timeout (exit 7). A probe
client writes to one of the master's slots every 5 ms (key redis-ts:failover-probe:N, deleted at
the end) and reports the longest gap between acknowledged writes and whether the last one survived.`
  static override examples = [
    '<%= config.bin %> failover 127.0.0.1:7003',
    '<%= config.bin %> failover 127.0.0.1:7000 3c3a0c --force --yes',
    '<%= config.bin %> failover 127.0.0.1:7004 --takeover --json',
  ]
  static override args = {
    node: Args.string({required: true, description: 'the replica to promote (host:port), or any node of the cluster when REPLICA is given'}),
    replica: Args.string({required: false, description: 'the replica to promote: id, unique id prefix or host:port'}),
  }
  static override flags = {
    force: Flags.boolean({exclusive: ['takeover'], description: 'CLUSTER FAILOVER FORCE: the master is dead or unreachable'}),
    takeover: Flags.boolean({exclusive: ['force'], description: 'CLUSTER FAILOVER TAKEOVER: no election (no majority of masters reachable)'}),
    timeout: Flags.integer({default: 30, min: 1, description: 'seconds to wait until every node agrees on the new master'}),
    'max-lag': Flags.integer({default: DEFAULT_MAX_LAG, min: 0, description: 'plain failover: refuse when the replica is more than this many bytes behind'}),
    probe: Flags.boolean({default: true, allowNo: true, description: 'measure the write pause with a probe key (--no-probe: no writes)'}),
    'dry-run': Flags.boolean({description: 'print the plan and exit'}),
  }

  async run(): Promise<void> {
    if (!this.args.replica && /^[0-9a-f]{1,40}$/i.test(this.args.node)) {
      throw usageError(`"${this.args.node}" is a node id: give a node to reach the cluster first`, 'redis-ts failover <any-node host:port> <replica-id>')
    }
    const seed = parseAddress(this.args.node)
    const mode = this.flags.force ? 'force' : this.flags.takeover ? 'takeover' : 'default'
    const pool = new NodePool(this.connectOptions())
    try {
      const {view, plan} = await prepareFailover(seed, this.args.replica ?? this.args.node, pool, {mode, maxLagBytes: this.flags['max-lag']})
      this.out.info(`Failover of master ${plan.master.address} (${plan.master.slotCount} slots${plan.master.reachable ? '' : ', unreachable'}${plan.master.failed ? ', failed' : ''}) to replica ${plan.replica.address} (link ${plan.replica.link}${plan.replica.lagBytes !== null ? `, ${plan.replica.lagBytes} bytes behind` : ''}): ${plan.command.join(' ')}`)
      for (const n of plan.notes) this.out.warning(n)
      if (this.flags['dry-run']) {
        this.finish({dryRun: true, plan})
        return
      }
      if (plan.confirm) await this.confirm(`${plan.confirm} Proceed with ${plan.command.join(' ')}?`)
      const result = await applyFailover(view, plan, pool, {
        timeoutMs: this.flags.timeout * 1000,
        probe: this.flags.probe,
        onEvent: (e) => {
          if (e.type === 'probe-started') this.out.info(`Probe writes to ${e.key} (slot ${e.slot}) every 5 ms`)
          else if (e.type === 'sent') this.out.info(`Sent ${e.command} to ${e.address}`)
          else if (e.type === 'promoted') this.out.info(`${e.address} is master after ${e.ms} ms`)
          else if (e.type === 'waiting') this.out.diag(`waiting: ${e.reason}`)
        },
      })
      const p = result.writePause
      const warnings: string[] = []
      if (result.unreachable.length) warnings.push(`not asked (unreachable): ${result.unreachable.join(', ')}`)
      if (p?.lost) warnings.push(`probe: last acknowledged write ${p.lastAcked} but ${p.readBack} read back`)
      this.out.ok(`${result.replica.address} is the master of ${plan.master.slotCount} slots (configEpoch ${result.configEpoch ?? '?'}); ${result.agreedBy.length} node(s) agree after ${result.agreedMs} ms.`)
      if (p) this.out.info(`Write pause: ${p.maxGapMs} ms (longest gap between acknowledged writes; ${p.writes} writes, ${p.errors} errors, ${p.lost ? 'ACKNOWLEDGED WRITE LOST' : 'no acknowledged write lost'}).`)
      for (const w of warnings) this.out.warning(w)
      this.finish({plan, result}, 0, warnings)
    } finally {
      await pool.close()
    }
  }
}
