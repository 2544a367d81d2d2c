import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../src/cli/base-command.js'
import {NodePool, RedisTsError, applyMoves, countSlotKeys, loadStableCluster, parseAddress, parseSlotList, planReshardFor, usageError, type ReshardInput} from '../src/index.js'
import {renderReshardPlan, reshardPlanDoc} from '../src/ui/format/reshard.js'
import {reportMove, withMoveProgress} from '../src/cli/moves.js'
import {canPrompt} from '../src/ui/prompt.js'
import {askReshard} from '../src/ui/reshard-prompts.js'

export const moveFlags = {
  parallel: Flags.integer({default: 4, min: 1, max: 64, description: 'slot chunks moved concurrently'}),
  pipeline: Flags.integer({aliases: ['cluster-pipeline'], default: 5000, min: 1, description: 'max keys per MIGRATE (batches start at up to 1000 keys and grow while they stay fast)'}),
  timeout: Flags.integer({aliases: ['cluster-timeout'], default: 60000, min: 1, description: 'MIGRATE timeout in ms'}),
  replace: Flags.boolean({aliases: ['cluster-replace'], description: 'overwrite keys that already exist on the target (skips the value comparison)'}),
  'dry-run': Flags.boolean({description: 'print the plan and change nothing'}),
}

export default class Reshard extends BaseCommand<typeof Reshard> {
  static override summary = 'Move hash slots (and their keys) to one master'
  static override description = `Scripted: --from <ids|all> --to <id> --slots N (or --slot-range 0-99,200: each slot is taken from
the master that owns it). Missing flags are asked interactively on a terminal; without one the
command fails naming them. Refuses an unstable cluster (run \`redis-ts fix\`). Slots move with
pipelined SETSLOT steps, adaptive MIGRATE batches and --parallel workers. Ctrl-C finishes the
batch in flight and leaves the slot open and resumable (exit 130; \`redis-ts fix\` or a re-run finishes it).
Exit codes: 0 done, 2 bad input, 3 unstable cluster, 5 not confirmed, 6 some slots failed, 8 key conflicts, 130 interrupted.`
  static override examples = [
    '<%= config.bin %> reshard 127.0.0.1:7000 --from all --to 3c3a0c --slots 1000 --yes',
    '<%= config.bin %> reshard 127.0.0.1:7000 --to 3c3a0c --slot-range 0-99,200 --dry-run',
  ]
  static override args = {node: Args.string({required: true, description: 'any node of the cluster (host:port)'})}
  static override flags = {
    from: Flags.string({aliases: ['cluster-from'], description: 'source node ids (comma-separated, unique prefixes ok) or "all"'}),
    to: Flags.string({aliases: ['cluster-to'], description: 'receiving node id (or unique prefix)'}),
    slots: Flags.integer({aliases: ['cluster-slots'], min: 1, max: 16384, description: 'number of slots to move'}),
    'slot-range': Flags.string({description: 'explicit slots, e.g. 0-99,200 (instead of --from/--slots)'}),
    ...moveFlags,
  }

  async run(): Promise<void> {
    const f = this.flags
    const seed = parseAddress(this.args.node)
    let ranges
    if (f['slot-range'] !== undefined) {
      try {
        ranges = parseSlotList(f['slot-range'])
      } catch (err) {
        throw usageError(`--slot-range: ${(err as Error).message}`)
      }
      if (!ranges.length) throw usageError('--slot-range is empty')
      if (f.slots !== undefined || f.from !== undefined) throw usageError('--slot-range cannot be combined with --slots or --from')
    }
    const from = f.from === undefined ? undefined : f.from.trim().toLowerCase() === 'all' ? ('all' as const) : f.from.split(',').filter((x) => x.trim())
    const missing = [f.to === undefined ? '--to' : '', !ranges && from === undefined ? '--from' : '', !ranges && f.slots === undefined ? '--slots' : ''].filter(Boolean)
    if (missing.length && !canPrompt(this.json)) {
      throw usageError(`Missing ${missing.join(', ')} (no terminal to ask on)`, 'Give --from <ids|all> --to <id> --slots N, or --to <id> --slot-range 0-99,200.')
    }
    const pool = new NodePool(this.connectOptions({migrateTimeoutMs: this.flags.timeout}))
    try {
      const view = await loadStableCluster(seed, pool, 'resharding')
      let req: ReshardInput
      if (ranges) req = {target: f.to ?? (await askReshard(view, {slots: 1, from: 'all'})).to, slotRanges: ranges}
      else {
        const a = missing.length ? await askReshard(view, {slots: f.slots, to: f.to, from}) : {slots: f.slots!, to: f.to!, from: from!}
        req = {target: a.to, from: a.from, slots: a.slots}
      }
      const plan = planReshardFor(view, req)
      if (!plan.moves.length) throw new RedisTsError('usage', 'Nothing to move: the receiving node already owns every requested slot')
      const counts = await countSlotKeys(pool, view, plan.moves)
      const planDoc = reshardPlanDoc(plan, counts)
      renderReshardPlan(this.out, planDoc)
      if (f['dry-run']) {
        this.out.info('Dry run: nothing was changed.')
        this.finish({dryRun: true, plan: planDoc})
        return
      }
      await this.confirm('Do you want to proceed with the proposed reshard plan?')
      const res = await withMoveProgress(this.json, 'Resharding', (signal, onEvent) =>
        applyMoves(pool, view, plan.moves, {parallel: f.parallel, pipeline: f.pipeline, migrateTimeoutMs: f.timeout, replace: f.replace, signal, counts, onEvent}),
      )
      const result = reportMove(this.out, res, `Run \`redis-ts fix ${this.args.node}\` (rolls open slots forward) or re-run the same reshard.`)
      this.finish({plan: planDoc, result})
    } finally {
      await pool.close()
    }
  }
}
