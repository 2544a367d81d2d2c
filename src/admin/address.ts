// Node addresses: parsing `host:port`, `[v6]:port`, `host:port@bus` and formatting them back.
// redis-cli splits at the last ':' (so bare `::1:7000` works); we accept that and brackets.
import {isIP} from 'node:net'
import {lookup} from 'node:dns/promises'
import {usageError} from '../errors.js'

export interface NodeAddress {
  host: string
  port: number
  busPort?: number
}

function parsePort(text: string, input: string): number {
  if (!/^\d+$/.test(text)) throw usageError(`Invalid node address "${input}": port must be a number (expected host:port)`)
  const port = Number(text)
  if (port < 1 || port > 65535) throw usageError(`Invalid node address "${input}": port ${port} out of range 1-65535`)
  return port
}

export function parseAddress(input: string): NodeAddress {
  const raw = input.trim()
  let rest = raw
  let busPort: number | undefined
  const at = rest.lastIndexOf('@')
  if (at > 0 && !rest.slice(at).includes(']')) {
    busPort = parsePort(rest.slice(at + 1), input)
    rest = rest.slice(0, at)
  }
  let host: string
  let portText: string
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']')
    if (close < 0 || rest[close + 1] !== ':') throw usageError(`Invalid node address "${input}" (expected [ipv6]:port)`)
    host = rest.slice(1, close)
    portText = rest.slice(close + 2)
  } else {
    const colon = rest.lastIndexOf(':')
    if (colon <= 0) throw usageError(`Invalid node address "${input}" (expected host:port)`)
    host = rest.slice(0, colon)
    portText = rest.slice(colon + 1)
  }
  if (host.length === 0) throw usageError(`Invalid node address "${input}": empty host`)
  return {host, port: parsePort(portText, input), ...(busPort === undefined ? {} : {busPort})}
}

export function formatAddress(a: {host: string; port: number}): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`
}

/** Canonical key used to detect duplicates: lower-case host, IPv6 brackets stripped. */
export function addressKey(a: {host: string; port: number}): string {
  const host = a.host.toLowerCase() === 'localhost' ? '127.0.0.1' : a.host.toLowerCase()
  return `${host}|${a.port}`
}

/** CLUSTER MEET takes an IP address: resolve a hostname first. */
export async function resolveIp(host: string): Promise<string> {
  return isIP(host) ? host : (await lookup(host)).address
}
