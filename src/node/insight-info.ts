// INFO commandstats / errorstats / latencystats text from src/node/insight.ts's counters
// (redis server.c genRedisInfoString, fillPercentileDistributionLatencies).
import type {CommandSpec} from './commands/types.js'
import type {NodeServer} from './server.js'
import {cFixed, trimDoubleString} from '../resp/cdouble.js'

function withStats(server: NodeServer): [string, CommandSpec][] {
  const out: [string, CommandSpec][] = []
  for (const spec of server.commands.all()) {
    if (spec.stats !== undefined) out.push([spec.name, spec])
    for (const sub of spec.subcommands ?? []) if (sub.stats !== undefined) out.push([`${spec.name}|${sub.name}`, sub])
  }
  return out
}

export function commandStatsLines(server: NodeServer): string[] {
  const out: string[] = []
  for (const [name, spec] of withStats(server)) {
    const st = spec.stats!
    if (st.calls === 0 && st.rejected === 0 && st.failed === 0) continue
    const per = st.calls === 0 ? 0 : st.usec / st.calls
    out.push(`cmdstat_${name}:calls=${st.calls},usec=${st.usec},usec_per_call=${cFixed(per, 2)},rejected_calls=${st.rejected},failed_calls=${st.failed}`)
  }
  return out
}

export function errorStatsLines(server: NodeServer): string[] {
  const out: string[] = []
  for (const [code, n] of server.insight.errorStats) out.push(`errorstat_${code}:count=${n}`)
  return out
}


export function latencyStatsLines(server: NodeServer): string[] {
  const ins = server.insight
  if (!ins.trackLatency) return []
  const out: string[] = []
  for (const [name, spec] of withStats(server)) {
    const st = spec.stats!
    let total = 0
    for (const c of st.hist) total += c ?? 0
    if (total === 0) continue
    const parts = ins.percentiles.map((p) => `p${trimDoubleString(p)}=${cFixed(percentileNs(st.hist, total, p) / 1000, 3)}`)
    out.push(`latency_percentiles_usec_${name}:${parts.join(',')}`)
  }
  return out
}

/** Upper bound (ns) of the histogram bucket holding the p-th percentile call. */
function percentileNs(hist: number[], total: number, pct: number): number {
  const want = Math.max(1, Math.ceil((pct / 100) * total))
  let acc = 0
  for (let b = 0; b < hist.length; b++) {
    acc += hist[b] ?? 0
    if (acc >= want) return 1024 * 2 ** b
  }
  return 1024 * 2 ** Math.max(0, hist.length - 1)
}
