import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../src/cli/base-command.js'
import {DEFAULT_MIGRATE_TIMEOUT_MS, ExitCode, NodePool, applyFix, assertFixAllowed, checkCluster, formatRangesCompact, parseAddress, prepareFix, runChecks, slotsToRanges, type FixPlan, type SlotRepair} from '../src/index.js'
import {renderCheck} from '../src/ui/format/view.js'
import {renderTable} from '../src/ui/table.js'

export default class Fix extends BaseCommand<typeof Fix> {
  static override summary = 'Repair open slots, uncovered slots and multiple owners (rolls interrupted migrations forward)'
  static override description = `Loads the cluster, computes a repair plan, prints it, asks for confirmation (or --yes),
applies it, waits until the nodes agree, and checks again.
- Open slots: an interrupted migration is finished into its target (MIGRATING/IMPORTING pair,
  importing only, migrating only with a reachable target, SETSLOT NODE done on one side only);
  a migration whose target is gone is closed at the owner.
- Uncovered slots: given to the node holding their keys (most keys wins, the others' keys are moved
  there), empty ones spread evenly over the masters with the fewest slots.
- Multiple owners (--search-multiple-owners also looks for keys on non-owners): the node with most keys keeps the slot.
- --forget-failed: CLUSTER FORGET nodes that every node flags as failed and that own no slot.
Values are never overwritten: keys on both sides with different values stop that slot (exit 8), unless --replace.
Exit codes: 0 clean, 3 problems remain or unreachable masters without --force, 5 not confirmed, 6 some slot failed, 8 value conflicts.`
  static override examples = ['<%= config.bin %> fix 127.0.0.1:7000 --dry-run', '<%= config.bin %> fix 127.0.0.1:7000 --yes', '<%= config.bin %> fix 127.0.0.1:7000 --search-multiple-owners --yes --json']
  static override args = {node: Args.string({required: true, description: 'any node of the cluster (host:port)'})}
  static override flags = {
    'dry-run': Flags.boolean({description: 'print the plan and change nothing'}),
    'search-multiple-owners': Flags.boolean({aliases: ['cluster-search-multiple-owners'], description: 'also look for keys on masters that do not own their slot'}),
    force: Flags.boolean({aliases: ['fix-with-unreachable-masters', 'cluster-fix-with-unreachable-masters'], description: 'repair even when some masters are unreachable'}),
    replace: Flags.boolean({aliases: ['cluster-replace'], description: 'overwrite target keys that differ (MIGRATE REPLACE)'}),
    'forget-failed': Flags.boolean({description: 'CLUSTER FORGET slotless nodes that every node flags as failed'}),
    timeout: Flags.integer({default: 60, min: 1, description: 'seconds to wait for the cluster to converge'}),
  }

  private renderPlan(plan: FixPlan, addr: (id: string) => string): void {
    const groups: {slots: number[]; r: SlotRepair}[] = []
    for (const r of plan.repairs) {
      const last = groups[groups.length - 1]
      if (last && last.r.action === r.action && last.r.targetId === r.targetId && last.r.state === r.state && last.r.reason === r.reason) last.slots.push(r.slot)
      else groups.push({slots: [r.slot], r})
    }
    this.out.info(`Fix plan: ${plan.repairs.length} slot(s) to repair${plan.forget.length ? `, ${plan.forget.length} node(s) to forget` : ''}`)
    if (groups.length) {
      const rows = groups.slice(0, 200).map(({slots, r}) => [formatRangesCompact(slotsToRanges(slots)), r.problem, r.action, addr(r.targetId), r.state, r.reason])
      this.out.line(renderTable(['slots', 'problem', 'action', 'target', 'found', 'repair'], rows, this.out.color))
      if (groups.length > 200) this.out.line(`... and ${groups.length - 200} more group(s)`)
    }
    for (const f of plan.forget) this.out.line(`Forget failed node ${f.address} (${f.id})`)
    for (const u of plan.unfixable) this.out.warning(`Slot ${u.slot} cannot be fixed: ${u.reason}`)
  }

  async run(): Promise<void> {
    const seed = parseAddress(this.args.node)
    const f = this.flags
    const pool = new NodePool(this.connectOptions({migrateTimeoutMs: DEFAULT_MIGRATE_TIMEOUT_MS}))
    try {
      const {view, plan} = await prepareFix(seed, pool, {searchMultipleOwners: f['search-multiple-owners'], forgetFailed: f['forget-failed']})
      renderCheck(this.out, view, runChecks(view), {multipleOwners: false})
      const addr = (id: string) => view.nodes.find((n) => n.id === id)?.address ?? id
      if (plan.repairs.length === 0 && plan.forget.length === 0) {
        const {report} = await checkCluster(seed, pool, {multipleOwners: f['search-multiple-owners']})
        for (const u of plan.unfixable) this.out.warning(`Slot ${u.slot} cannot be fixed: ${u.reason}`)
        this.out.info(report.healthy ? 'Nothing to fix.' : 'Nothing fix can repair; the problems above need another remedy (failover, reachability).')
        this.finish({plan, changed: false, healthy: report.healthy}, report.healthy ? ExitCode.OK : ExitCode.CLUSTER_PROBLEMS)
        return
      }
      this.renderPlan(plan, addr)
      assertFixAllowed(plan, f.force)
      if (f['dry-run']) {
        this.out.info('Dry run: nothing was changed.')
        this.finish({dryRun: true, plan})
        return
      }
      await this.confirm(`Apply these ${plan.repairs.length + plan.forget.length} repair(s)?`)
      const result = await applyFix(pool, view, plan, {
        replace: f.replace,
        timeoutMs: f.timeout * 1000,
        onEvent: (e) => {
          if (e.type === 'phase') this.out.info(e.name)
          else if (e.type === 'slot-failed') this.out.err(`Slot ${e.slot}: ${e.error}${e.conflicts ? `: ${e.conflicts.slice(0, 20).join(', ')}${e.conflicts.length > 20 ? ', ...' : ''}` : ''}`)
          else if (e.type === 'warning') this.out.warning(e.message)
        },
      })
      for (const w of result.warnings) this.out.warning(w)
      this.out.info(`Repaired ${result.fixed.length} slot(s), moved ${result.keysMoved} key(s)${result.failed.length ? `, ${result.failed.length} slot(s) failed` : ''} in ${(result.elapsedMs / 1000).toFixed(2)}s`)
      const {view: after, report} = await checkCluster(seed, pool, {multipleOwners: f['search-multiple-owners']})
      renderCheck(this.out, after, report, {multipleOwners: f['search-multiple-owners']})
      const conflicts = result.failed.filter((x) => x.conflicts?.length)
      if (conflicts.length) {
        this.out.err(`${conflicts.reduce((a, x) => a + x.conflicts!.length, 0)} key(s) exist on two nodes with different values; both copies were kept and slot(s) ${conflicts.map((x) => x.slot).join(',')} left open.`)
        this.out.line('Inspect both copies and delete the wrong one, or re-run with --replace to overwrite the target copy.')
      }
      const code = conflicts.length ? ExitCode.CONFLICT : result.failed.length ? ExitCode.PARTIAL_FAILURE : report.healthy ? ExitCode.OK : ExitCode.CLUSTER_PROBLEMS
      this.finish({plan, result, healthy: report.healthy}, code)
    } finally {
      await pool.close()
    }
  }
}
