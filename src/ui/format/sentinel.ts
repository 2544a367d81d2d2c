// Human rendering of `check --sentinel`: the master group, per Sentinel its view and quorum check, per
// replica its link and lag, then the findings.
import type {SentinelCheckReport} from '../../admin/sentinel/check.js'
import type {Output} from '../output.js'

export function renderSentinelCheck(out: Output, name: string, report: SentinelCheckReport): void {
  out.info(`Master group "${name}": master ${report.master ?? '(unknown)'}, ${report.replicas.length} replica(s), ${report.sentinels.length} Sentinel(s)`)
  for (const s of report.sentinels) out.line(`  Sentinel ${s.address}: ${s.reachable ? `master ${s.master ?? '?'}; ${s.quorum}` : 'unreachable'}`)
  for (const r of report.replicas) out.line(`  Replica ${r.address}: ${r.flags}, link ${r.linkStatus}, offset ${r.offset}${r.lagBytes === null ? '' : ` (${r.lagBytes} bytes behind)`}, priority ${r.priority}`)
  for (const f of report.findings) (f.level === 'error' ? out.err.bind(out) : out.warn.bind(out))(f.message)
  if (report.healthy) out.ok('Quorum reachable, all Sentinels agree on the master, replicas linked.')
}
