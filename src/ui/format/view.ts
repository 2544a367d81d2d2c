// Human rendering of a ClusterView and check findings, in redis-cli's familiar layout.
import type {Output} from '../output.js'
import {renderTable} from '../table.js'
import type {CheckReport, Finding} from '../../admin/check/checks.js'
import type {InfoResult} from '../../admin/ops.js'
import {formatRanges, formatRangesCompact, slotsToRanges} from '../../admin/topology/parse.js'
import {linkSummary, replicaSummaries, type ReplicaSummary} from '../../admin/topology/replication.js'
import type {ClusterView} from '../../admin/topology/types.js'

const orQ = (v: number | null | undefined, unit = '') => (v === null || v === undefined ? '?' : `${v}${unit}`)

/** One row per replica: master, link (up / down Ns / full sync), offset lag in bytes, seconds since the master's last I/O. */
export function replicaRows(replicas: ReplicaSummary[]): string[][] {
  return replicas.map((r) => [
    r.address,
    r.masterAddress ?? r.masterId?.slice(0, 12) ?? '?',
    !r.reachable ? 'unreachable' : r.masterLinkStatus === null && !r.masterSyncInProgress ? '?' : linkSummary(r),
    orQ(r.lagBytes),
    r.masterLastIoSecondsAgo === -1 ? '-' : orQ(r.masterLastIoSecondsAgo, 's'),
  ])
}

export const REPLICA_HEADERS = ['replica', 'master', 'master link', 'lag (bytes)', 'last I/O']

export function renderNodeBlocks(out: Output, view: ClusterView): void {
  for (const n of view.nodes) {
    const tag = n.role === 'master' ? 'M' : 'S'
    out.line(`${tag}: ${n.id} ${n.address}${n.reachable ? '' : out.c.red(' (unreachable)')}${n.failed ? out.c.red(' (failed)') : ''}`)
    out.line(`   slots:${formatRanges(n.slots)} (${n.slotCount} slots) ${n.role === 'replica' ? 'slave' : n.role}`)
    if (n.role === 'master') {
      const r = view.nodes.filter((x) => x.role === 'replica' && x.masterId === n.id).length
      if (r) out.line(`   ${r} additional replica(s)`)
    } else if (n.masterId) {
      out.line(`   replicates ${n.masterId}`)
    }
  }
}

export function renderNodeTable(out: Output, view: ClusterView): void {
  const rows = view.nodes.map((n) => [
    n.role === 'master' ? 'master' : n.role === 'replica' ? 'replica' : n.role,
    n.address,
    n.id.slice(0, 12),
    n.role === 'master' ? String(n.slotCount) : '-',
    n.keys === undefined ? '?' : String(n.keys),
    n.role === 'master' ? String(view.nodes.filter((x) => x.role === 'replica' && x.masterId === n.id).length) : `of ${n.masterId?.slice(0, 8) ?? '?'}`,
    !n.reachable ? 'unreachable' : n.failed ? n.flags.filter((f) => f.startsWith('fail')).join(',') || 'failed' : n.linkState,
  ])
  out.line(renderTable(['role', 'address', 'id', 'slots', 'keys', 'replicas', 'link'], rows, out.color))
}

function emitFinding(out: Output, f: Finding): void {
  if (f.severity === 'error') out.err(f.message)
  else if (f.severity === 'warning') out.warning(f.message)
  else out.warn(f.message)
}

export function renderCheck(out: Output, view: ClusterView, report: CheckReport, opts: {multipleOwners: boolean}): void {
  const by = (codes: string[]) => report.findings.filter((f) => codes.includes(f.code))
  out.info(`Performing Cluster Check (using node ${view.seed})`)
  renderNodeBlocks(out, view)
  renderNodeTable(out, view)
  const reach = by(['unreachable-master', 'unreachable-replica', 'failed-node', 'unknown-master', 'master-without-replicas'])
  if (reach.length) {
    out.info('Check nodes reachability and replicas...')
    reach.forEach((f) => emitFinding(out, f))
  }
  const summaries = replicaSummaries(view.nodes)
  if (summaries.length && view.nodes.some((n) => n.replication)) {
    out.info('Check replication links...')
    out.line(renderTable(REPLICA_HEADERS, replicaRows(summaries), out.color))
    const repl = by(['replica-link-down', 'replica-syncing'])
    repl.forEach((f) => emitFinding(out, f))
    const reporting = summaries.filter((r) => r.reachable && r.masterLinkStatus !== null).length
    const unknown = summaries.filter((r) => r.reachable && r.masterLinkStatus === null).length
    if (!repl.length && reporting) {
      out.ok(`${reporting === summaries.length ? 'All replicas' : `${reporting} of ${summaries.length} replicas`} have their master link up (no full sync running).`)
    }
    if (unknown) out.warn(`${unknown} replica(s) do not report their master link (no master_link_status in INFO replication).`)
  }
  const fo = by(['failover-in-progress', 'master-failed-replica-waiting', 'master-in-minority', 'replicas-same-host'])
  if (fo.length) {
    out.info('Check failovers and replica placement...')
    fo.forEach((f) => emitFinding(out, f))
  }
  const agree = by(['config-disagreement'])
  if (agree.length) agree.forEach((f) => emitFinding(out, f))
  else out.ok('All nodes agree about slots configuration.')
  out.info('Check for open slots...')
  const open = by(['open-slot'])
  if (open.length) {
    // Per node a count, then the slots once, as ranges (the findings' messages carry them for --json).
    for (const f of open) out.warning(`Node ${f.nodes?.[0]} has ${f.slots?.length ?? 0} slot(s) in ${/importing/.test(f.message) ? 'importing' : 'migrating'} state.`)
    const slots = [...new Set(open.flatMap((f) => f.slots ?? []))].sort((a, b) => a - b)
    out.warning(`The following slots are open: ${formatRangesCompact(slotsToRanges(slots))}.`)
  }
  out.info('Check slots coverage...')
  const cov = by(['uncovered-slots', 'slots-on-failed-node'])
  if (cov.length) cov.forEach((f) => emitFinding(out, f))
  else out.ok('All 16384 slots covered.')
  const state = by(['cluster-state-fail'])
  state.forEach((f) => emitFinding(out, f))
  if (opts.multipleOwners) {
    out.info('Check for multiple slot owners...')
    const mo = by(['multiple-owners'])
    if (mo.length) mo.forEach((f) => emitFinding(out, f))
    else out.ok('No multiple owners found.')
  }
}

export function renderInfo(out: Output, info: InfoResult): void {
  for (const m of info.masters) {
    out.line(`${m.address} (${m.id.slice(0, 8)}...) -> ${m.keys ?? '?'} keys | ${m.slots} slots | ${m.replicas} slaves.${m.reachable ? '' : ' (unreachable)'}`)
  }
  // A master down means the key count is partial: say so, never [OK] (the command exits 3).
  const down = info.masters.filter((m) => !m.reachable)
  if (down.length) out.warning(`${info.totals.keys} keys in ${info.totals.masters - down.length} reachable master(s); ${down.length} master(s) unreachable: ${down.map((m) => m.address).join(', ')} (their keys are not counted).`)
  else out.ok(`${info.totals.keys} keys in ${info.totals.masters} masters.`)
  out.line(`${info.keysPerSlot.toFixed(2)} keys per slot on average.`)
  out.line(
    renderTable(
      ['master', 'id', 'keys', 'slots', 'replicas', 'memory'],
      info.masters.map((m) => [m.address, m.id.slice(0, 12), m.keys ?? '?', m.slots, m.replicas, m.usedMemoryHuman ?? '?']),
      out.color,
    ),
  )
  if (info.replicas.length) out.line(renderTable(REPLICA_HEADERS, replicaRows(info.replicas), out.color))
}

/** The --json document of `check`: findings (long slot lists as counts) and nodes without raw views. */
export function checkJson(view: ClusterView, report: CheckReport): {healthy: boolean; findings: unknown[]; nodes: unknown[]} {
  return {
    healthy: report.healthy,
    findings: report.findings.map(({slots, ...f}) => ({...f, ...(slots ? {slots: slots.length > 64 ? undefined : slots, slotCount: slots.length} : {})})),
    nodes: view.nodes.map(({view: _v, clusterInfo: _c, ...n}) => n),
  }
}
