// Parser for CLUSTER NODES text (Redis 7.0 format, tolerant of 7.2+ aux fields).
// <id> <ip:port@cport[,hostname][,aux=val]> <flags> <master|-> <ping-sent> <pong-recv> <config-epoch> <link> <slots...>
import type {NodeEntry, SlotRange} from './types.js'

export class ClusterNodesParseError extends Error {}

function parseAddressField(field: string): Pick<NodeEntry, 'host' | 'port' | 'busPort' | 'hostname' | 'aux'> {
  const parts = field.split(',')
  const main = parts[0]
  const aux: Record<string, string> = {}
  let hostname: string | undefined
  for (const extra of parts.slice(1)) {
    const eq = extra.indexOf('=')
    if (eq >= 0) aux[extra.slice(0, eq)] = extra.slice(eq + 1)
    else if (extra.length > 0) hostname = extra
  }
  if (aux.hostname) hostname = aux.hostname
  const at = main.lastIndexOf('@')
  const hostPort = at >= 0 ? main.slice(0, at) : main
  const busText = at >= 0 ? main.slice(at + 1) : ''
  const colon = hostPort.lastIndexOf(':')
  if (colon < 0) throw new ClusterNodesParseError(`bad address field "${field}"`)
  let host = hostPort.slice(0, colon)
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1)
  const port = Number(hostPort.slice(colon + 1))
  const busPort = busText === '' ? port + 10000 : Number(busText)
  if (!Number.isInteger(port) || !Number.isInteger(busPort)) throw new ClusterNodesParseError(`bad address field "${field}"`)
  return {host, port, busPort, ...(hostname ? {hostname} : {}), aux}
}

function parseSlotToken(token: string, entry: NodeEntry): void {
  if (token.startsWith('[')) {
    const body = token.slice(1, -1)
    const mig = body.indexOf('->-')
    const imp = body.indexOf('-<-')
    if (mig > 0) entry.migrating[Number(body.slice(0, mig))] = body.slice(mig + 3)
    else if (imp > 0) entry.importing[Number(body.slice(0, imp))] = body.slice(imp + 3)
    else throw new ClusterNodesParseError(`bad open-slot token "${token}"`)
    return
  }
  const dash = token.indexOf('-')
  const start = Number(dash >= 0 ? token.slice(0, dash) : token)
  const end = dash >= 0 ? Number(token.slice(dash + 1)) : start
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > 16383 || end < start) {
    throw new ClusterNodesParseError(`bad slot token "${token}"`)
  }
  entry.slots.push([start, end])
}

export function parseClusterNodesLine(line: string): NodeEntry {
  const f = line.trim().split(/\s+/)
  if (f.length < 8) throw new ClusterNodesParseError(`truncated CLUSTER NODES line "${line}"`)
  const [id, addr, flagText, master, pingSent, pongRecv, epoch, link] = f
  if (!/^[0-9a-f]{40}$/i.test(id)) throw new ClusterNodesParseError(`bad node id "${id}"`)
  const flags = flagText.split(',').filter((x) => x.length > 0)
  const entry: NodeEntry = {
    id: id.toLowerCase(),
    ...parseAddressField(addr),
    flags,
    role: flags.includes('master') ? 'master' : flags.includes('slave') ? 'replica' : 'unknown',
    masterId: master === '-' ? undefined : master.toLowerCase(),
    pingSent: Number(pingSent),
    pongRecv: Number(pongRecv),
    configEpoch: Number(epoch),
    linkState: link === 'connected' ? 'connected' : 'disconnected',
    myself: flags.includes('myself'),
    slots: [],
    migrating: {},
    importing: {},
  }
  for (const token of f.slice(8)) parseSlotToken(token, entry)
  entry.slots = mergeRanges(entry.slots)
  return entry
}

export function parseClusterNodes(text: string): NodeEntry[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .map(parseClusterNodesLine)
}

export function mergeRanges(ranges: SlotRange[]): SlotRange[] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0])
  const out: SlotRange[] = []
  for (const r of sorted) {
    const last = out[out.length - 1]
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1])
    else out.push([r[0], r[1]])
  }
  return out
}

export function rangesToSlots(ranges: SlotRange[]): number[] {
  const out: number[] = []
  for (const [a, b] of ranges) for (let s = a; s <= b; s++) out.push(s)
  return out
}

export function slotsToRanges(slots: Iterable<number>): SlotRange[] {
  const sorted = [...new Set(slots)].sort((a, b) => a - b)
  const out: SlotRange[] = []
  for (const s of sorted) {
    const last = out[out.length - 1]
    if (last && s === last[1] + 1) last[1] = s
    else out.push([s, s])
  }
  return out
}

export function countSlots(ranges: SlotRange[]): number {
  let n = 0
  for (const [a, b] of ranges) n += b - a + 1
  return n
}

/** redis-cli style: `[0-5460],[7000]` */
export function formatRanges(ranges: SlotRange[]): string {
  return ranges.map(([a, b]) => (a === b ? `[${a}]` : `[${a}-${b}]`)).join(',')
}

/** Compact: `0-5460,7000` */
export function formatRangesCompact(ranges: SlotRange[]): string {
  return ranges.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(',')
}

/** Parse `0-99,200,300-310` into ranges; throws on bad input. */
export function parseSlotList(text: string): SlotRange[] {
  const out: SlotRange[] = []
  for (const part of text.split(',').map((p) => p.trim()).filter((p) => p)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part)
    if (!m) throw new ClusterNodesParseError(`bad slot range "${part}"`)
    const a = Number(m[1])
    const b = m[2] === undefined ? a : Number(m[2])
    if (a > 16383 || b > 16383 || b < a) throw new ClusterNodesParseError(`slot range "${part}" out of 0-16383`)
    out.push([a, b])
  }
  return mergeRanges(out)
}

/** Parse INFO text into a flat key → value map. */
export function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const l = line.trim()
    if (!l || l.startsWith('#')) continue
    const i = l.indexOf(':')
    if (i > 0) out[l.slice(0, i)] = l.slice(i + 1)
  }
  return out
}
