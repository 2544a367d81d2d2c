// nodes.conf in Redis 7.0's format: the CLUSTER NODES lines (minus handshake nodes) followed
// by `vars currentEpoch N lastVoteEpoch M`. Parsing mirrors clusterLoadConfig; writing mirrors
// clusterSaveConfig: one write in place, fsync when epochs and votes must survive a crash (§20).
import * as fs from 'node:fs'

export interface NodesConfLine {
  id: string
  ip: string
  port: number
  cport: number
  hostname: string
  flags: string[]
  masterId: string | null
  pingSent: number
  pongReceived: number
  configEpoch: number
  connected: boolean
  slots: [number, number][]
  migrating: [number, string][]
  importing: [number, string][]
}

export interface NodesConf {
  nodes: NodesConfLine[]
  currentEpoch: number
  lastVoteEpoch: number
}

export class NodesConfError extends Error {}

function int(s: string, what: string): number {
  if (!/^-?\d+$/.test(s)) throw new NodesConfError(`Invalid ${what} '${s}' in nodes.conf`)
  return Number(s)
}

/** `ip:port@cport[,hostname]`; the ip may be empty or IPv6 (split at the last ':'). */
export function parseAddress(addr: string): {ip: string; port: number; cport: number; hostname: string} {
  const comma = addr.indexOf(',')
  const hostname = comma === -1 ? '' : addr.slice(comma + 1)
  const hp = comma === -1 ? addr : addr.slice(0, comma)
  const colon = hp.lastIndexOf(':')
  if (colon === -1) throw new NodesConfError(`Invalid address '${addr}' in nodes.conf`)
  const ip = hp.slice(0, colon)
  const rest = hp.slice(colon + 1)
  const at = rest.indexOf('@')
  const port = int(at === -1 ? rest : rest.slice(0, at), 'port')
  // Pre-4.0 files had no @cport: Redis assumes port+10000.
  const cport = at === -1 ? port + 10000 : int(rest.slice(at + 1), 'cport')
  return {ip, port, cport, hostname}
}

export function parseNodesConf(text: string): NodesConf {
  const conf: NodesConf = {nodes: [], currentEpoch: 0, lastVoteEpoch: 0}
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line === '') continue
    const argv = line.split(' ').filter((s) => s !== '')
    if (argv[0] === 'vars') {
      for (let i = 1; i + 1 < argv.length; i += 2) {
        if (argv[i] === 'currentEpoch') conf.currentEpoch = int(argv[i + 1], 'currentEpoch')
        else if (argv[i] === 'lastVoteEpoch') conf.lastVoteEpoch = int(argv[i + 1], 'lastVoteEpoch')
      }
      continue
    }
    if (argv.length < 8) throw new NodesConfError(`Unrecoverable error: corrupted cluster config line: ${line}`)
    const addr = parseAddress(argv[1])
    const node: NodesConfLine = {
      id: argv[0], ...addr, flags: argv[2].split(','),
      masterId: argv[3] === '-' ? null : argv[3],
      pingSent: int(argv[4], 'ping_sent'), pongReceived: int(argv[5], 'pong_received'),
      configEpoch: int(argv[6], 'configEpoch'), connected: argv[7] === 'connected',
      slots: [], migrating: [], importing: [],
    }
    if (node.id.length !== 40) throw new NodesConfError(`Invalid node id '${node.id}' in nodes.conf`)
    for (const tok of argv.slice(8)) {
      if (tok.startsWith('[')) {
        const m = /^\[(\d+)-([<>])-([0-9a-f]{40})\]$/.exec(tok)
        if (!m) throw new NodesConfError(`Invalid slot marker '${tok}' in nodes.conf`)
        ;(m[2] === '>' ? node.migrating : node.importing).push([Number(m[1]), m[3]])
        continue
      }
      const dash = tok.indexOf('-')
      const a = int(dash === -1 ? tok : tok.slice(0, dash), 'slot')
      const b = dash === -1 ? a : int(tok.slice(dash + 1), 'slot')
      if (a < 0 || b > 16383 || a > b) throw new NodesConfError(`Invalid slot range '${tok}' in nodes.conf`)
      node.slots.push([a, b])
    }
    conf.nodes.push(node)
  }
  if (conf.nodes.filter((n) => n.flags.includes('myself')).length !== 1) {
    throw new NodesConfError('Unrecoverable error: nodes.conf must contain exactly one myself line')
  }
  return conf
}

export function formatAddress(ip: string, port: number, cport: number, hostname: string): string {
  return `${ip}:${port}@${cport}${hostname ? ',' + hostname : ''}`
}

export function formatNodesConfLine(n: NodesConfLine): string {
  const parts = [n.id, formatAddress(n.ip, n.port, n.cport, n.hostname), n.flags.join(','), n.masterId ?? '-',
    String(n.pingSent), String(n.pongReceived), String(n.configEpoch), n.connected ? 'connected' : 'disconnected']
  for (const [a, b] of n.slots) parts.push(a === b ? String(a) : `${a}-${b}`)
  for (const [s, id] of n.migrating) parts.push(`[${s}->-${id}]`)
  for (const [s, id] of n.importing) parts.push(`[${s}-<-${id}]`)
  return parts.join(' ')
}

/** Node lines (already formatted, each without '\n') plus the vars line. */
export function serializeNodesConf(lines: string[], currentEpoch: number, lastVoteEpoch: number): string {
  return lines.map((l) => l + '\n').join('') + `vars currentEpoch ${currentEpoch} lastVoteEpoch ${lastVoteEpoch}\n`
}

/**
 * redis 7.0 clusterSaveConfig: the whole text in one write at offset 0, padded with '\n' up to the
 * old file size so no stale tail survives even before the truncate, fsync when asked, then the
 * padding truncated away. A crash leaves the old or the new content (plus blank lines, ignored).
 */
export function writeConfigInPlace(file: string, content: string, fsync: boolean): void {
  const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT, 0o644)
  try {
    const body = Buffer.from(content, 'latin1')
    const old = fs.fstatSync(fd).size
    const buf = old > body.length ? Buffer.concat([body, Buffer.alloc(old - body.length, 0x0a)]) : body
    let off = 0
    while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off, off)
    if (fsync) fs.fsyncSync(fd)
    if (buf.length !== body.length) fs.ftruncateSync(fd, body.length)
  } finally {
    fs.closeSync(fd)
  }
}
