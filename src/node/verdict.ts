// Slot verdicts: the cluster module decides (pure), this file words it. House rule 4: no
// handler builds MOVED/ASK/TRYAGAIN/CROSSSLOT/CLUSTERDOWN text itself.

export type Verdict =
  | {kind: 'ok'}
  | {kind: 'moved'; slot: number; host: string; port: number}
  | {kind: 'ask'; slot: number; host: string; port: number}
  | {kind: 'tryagain'}
  | {kind: 'crossslot'}
  | {kind: 'clusterdown'; reason?: 'down' | 'unbound' | 'readonly'}

/** The exact Redis 7.0 error text (without the leading '-'), or null for 'ok'. */
export function verdictError(v: Verdict): string | null {
  switch (v.kind) {
    case 'ok':
      return null
    case 'moved':
      // An empty host means "same host as the one you asked" (redis 7.0 cluster-announce-hostname).
      return `MOVED ${v.slot} ${v.host}:${v.port}`
    case 'ask':
      return `ASK ${v.slot} ${v.host}:${v.port}`
    case 'tryagain':
      return 'TRYAGAIN Multiple keys request during rehashing of slot'
    case 'crossslot':
      return "CROSSSLOT Keys in request don't hash to the same slot"
    case 'clusterdown':
      if (v.reason === 'unbound') return 'CLUSTERDOWN Hash slot not served'
      if (v.reason === 'readonly') return 'CLUSTERDOWN The cluster is down and only accepts read commands'
      return 'CLUSTERDOWN The cluster is down'
  }
}
