import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../src/cli/base-command.js'
import {reportMove, withMoveProgress} from '../src/cli/moves.js'
import {ExitCode, NodePool, RedisTsError, applyRebalance, applyReplicaMoves, formatRangesCompact, parseAddress, prepareRebalance} from '../src/index.js'
import {renderTable} from '../src/ui/table.js'
import {moveFlags} from './reshard.js'

export default class Rebalance extends BaseCommand<typeof Rebalance> {
  static override summary = 'Even out slots across masters (redis-cli rebalance algorithm)'
  static override description = `Computes redis-cli's rebalance plan exactly (weights, threshold, empty masters), prints it
completely, asks for confirmation (or --yes), then moves the slots with the same fast mover as
reshard. --weight id=w (unique id prefixes ok, repeatable), --use-empty-masters to give slots to
masters that have none, --threshold pct (default 2). --simulate / --dry-run print the plan only.
Exit codes: 0 done or nothing to do, 2 bad input, 3 unstable cluster, 5 not confirmed, 6 some slots failed, 8 key conflicts, 130 interrupted.`
  static override examples = [
    '<%= config.bin %> rebalance 127.0.0.1:7000 --yes',
    '<%= config.bin %> rebalance 127.0.0.1:7000 --use-empty-masters --dry-run',
    '<%= config.bin %> rebalance 127.0.0.1:7000 --weight 3c3a0c=0 --yes',
  ]
  static override args = {node: Args.string({required: true, description: 'any node of the cluster (host:port)'})}
  static override flags = {
    weight: Flags.string({aliases: ['cluster-weight'], multiple: true, description: 'node weight as <id-prefix>=<w> (repeatable)'}),
    'use-empty-masters': Flags.boolean({aliases: ['cluster-use-empty-masters'], description: 'also give slots to masters without slots'}),
    threshold: Flags.string({aliases: ['cluster-threshold'], default: '2', description: 'percent difference from the expected slot count that triggers a rebalance'}),
    simulate: Flags.boolean({aliases: ['cluster-simulate'], description: 'alias of --dry-run (redis-cli spelling)'}),
    ...moveFlags,
  }

  async run(): Promise<void> {
    const f = this.flags
    const seed = parseAddress(this.args.node)
    const threshold = Number(f.threshold)
    if (!Number.isFinite(threshold) || threshold < 0) throw new RedisTsError('usage', `--threshold must be a number >= 0 (got ${f.threshold})`)
    const pool = new NodePool(this.connectOptions({migrateTimeoutMs: this.flags.timeout}))
    try {
      const {view, plan} = await prepareRebalance(seed, pool, {weights: f.weight, useEmptyMasters: f['use-empty-masters'], threshold})
      const planDoc = {needed: plan.needed, threshold, totalWeight: plan.totalWeight, nodes: plan.nodes, steps: plan.steps, slots: plan.moves.length, replicaMoves: plan.replicaMoves}
      const showReplicaMoves = () => {
        for (const r of plan.replicaMoves) this.out.line(`Replica ${r.replicaAddress} moves from ${r.fromMasterAddress ?? '?'} to ${r.toMasterAddress} (so that master keeps a replica on another host)`)
      }
      if (!plan.needed) {
        this.out.warn(`No rebalancing needed! All nodes are within the ${threshold.toFixed(2)}% threshold.`)
        if (!plan.replicaMoves.length) {
          this.finish({plan: planDoc})
          return
        }
        showReplicaMoves()
        if (f['dry-run'] || f.simulate) {
          this.out.info('Dry run: nothing was changed.')
          this.finish({dryRun: true, plan: planDoc})
          return
        }
        await this.confirm(`Re-point ${plan.replicaMoves.length} replica(s) as planned above?`)
        const rm = await applyReplicaMoves(pool, view, plan.replicaMoves)
        for (const x of rm.failures) this.out.warning(`${x.address}: ${x.error}`)
        this.out.ok(`${rm.moved.length} replica(s) re-pointed.`)
        this.finish({plan: planDoc, result: {replicas: rm}}, rm.failures.length ? ExitCode.PARTIAL_FAILURE : ExitCode.OK)
        return
      }
      this.out.info(`Rebalancing across ${plan.nodes.length} nodes. Total weight = ${plan.totalWeight.toFixed(2)}`)
      this.out.line(renderTable(['node', 'id', 'weight', 'slots', 'expected', 'change'], plan.nodes.map((n) => [n.address, n.id.slice(0, 12), n.weight, n.slots, n.expected, n.slots - n.expected > 0 ? `-${n.slots - n.expected}` : `+${n.expected - n.slots}`]), this.out.color))
      for (const s of plan.steps) this.out.line(`Moving ${s.count} slots from ${s.sourceAddress} to ${s.targetAddress}: ${formatRangesCompact(s.ranges).slice(0, 100)}`)
      showReplicaMoves()
      if (f['dry-run'] || f.simulate) {
        this.out.info('Dry run: nothing was changed.')
        this.finish({dryRun: true, plan: planDoc})
        return
      }
      await this.confirm(`Move ${plan.moves.length} slots as planned above?`)
      const res = await withMoveProgress(this.json, 'Rebalancing', (signal, onEvent) =>
        applyRebalance(pool, view, plan, {parallel: f.parallel, pipeline: f.pipeline, migrateTimeoutMs: f.timeout, replace: f.replace, signal, onEvent}),
      )
      const m = res.move
      const replicas = m.failed.length || m.pending.length ? undefined : await applyReplicaMoves(pool, view, plan.replicaMoves)
      for (const x of replicas?.failures ?? []) this.out.warning(`${x.address}: ${x.error}`)
      if (replicas?.moved.length) this.out.ok(`${replicas.moved.length} replica(s) re-pointed.`)
      const summary = reportMove(this.out, res, `Run \`redis-ts fix ${this.args.node}\` (rolls open slots forward) or re-run rebalance.`, {replicas})
      this.finish({plan: planDoc, result: summary})
    } finally {
      await pool.close()
    }
  }
}
