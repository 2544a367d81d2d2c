// The one place that opens admin connections: ioredis, RESP2 pinned, no retries, no offline
// queue, so a dead node fails fast instead of hanging the CLI.
import type {Redis, RedisOptions} from 'ioredis'
import {readFileSync} from 'node:fs'
import {formatAddress, type NodeAddress} from './address.js'
import {ioredis} from './ioredis.js'

export interface TlsOptions {
  enabled: boolean
  cacert?: string
  cert?: string
  key?: string
  insecure?: boolean
  sni?: string
  /** false: verify the certificate chain but not that it names the host (as redis-cli and
   * redis-server's own links do); local TLS clusters, whose certificates may name no address */
  checkHost?: boolean
}

export interface ConnectOptions {
  password?: string
  user?: string
  tls?: TlsOptions
  connectTimeoutMs?: number
  /** reply timeout for ordinary admin commands (a stuck node must not hang the CLI) */
  commandTimeoutMs?: number
  /** reply timeout on the connections that send MIGRATE (longer than the MIGRATE timeout) */
  migrateCommandTimeoutMs?: number
}

function tlsConfig(tls: TlsOptions | undefined): RedisOptions['tls'] {
  if (!tls?.enabled) return undefined
  return {
    ...(tls.cacert ? {ca: readFileSync(tls.cacert)} : {}),
    ...(tls.cert ? {cert: readFileSync(tls.cert)} : {}),
    ...(tls.key ? {key: readFileSync(tls.key)} : {}),
    ...(tls.insecure ? {rejectUnauthorized: false, checkServerIdentity: () => undefined} : tls.checkHost === false ? {checkServerIdentity: () => undefined} : {}),
    ...(tls.sni ? {servername: tls.sni} : {}),
  }
}

export function redisOptions(addr: NodeAddress, opts: ConnectOptions): RedisOptions {
  return {
    host: addr.host,
    port: addr.port,
    ...(opts.user ? {username: opts.user} : {}),
    ...(opts.password !== undefined ? {password: opts.password} : {}),
    tls: tlsConfig(opts.tls),
    connectTimeout: opts.connectTimeoutMs ?? 3000,
    // A failed connect leaves ioredis's disconnect timer (2 s default) holding the process open.
    disconnectTimeout: 50,
    commandTimeout: opts.commandTimeoutMs,
    lazyConnect: true,
    enableOfflineQueue: true,
    enableReadyCheck: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    reconnectOnError: () => false,
    autoResubscribe: false,
    autoResendUnfulfilledCommands: false,
    // ioredis sends CLIENT SETINFO inside connect(): a node that accepts and never answers would
    // cost one command timeout there and another on the PING below. One timeout, the documented one.
    disableClientInfo: true,
    // ioredis 6 defaults to RESP3; admin replies are parsed as RESP2 text/arrays.
    ...({protocol: 2} as Record<string, unknown>),
  }
}

/** A connected admin client. Throws a descriptive error when the node cannot be reached. */
export async function connectNode(addr: NodeAddress, opts: ConnectOptions): Promise<Redis> {
  const client = new (await ioredis()).Redis(redisOptions(addr, opts))
  // Errors surface through command promises; remember the last one because a failed AUTH during
  // connect only rejects connect() with "Connection is closed".
  let lastError: Error | undefined
  let connected = false
  client.on('error', (e: Error) => (lastError = e))
  client.once('connect', () => (connected = true))
  try {
    await client.connect()
    // connect() can resolve before a failed AUTH closes the link: one PING settles it, so the
    // caller sees WRONGPASS/NOAUTH here and not a later "Connection is closed".
    await client.ping()
    return client
  } catch (err) {
    client.disconnect()
    const closed = err instanceof Error && /Connection is closed/.test(err.message)
    const msg = closed && lastError ? lastError.message : err instanceof Error ? err.message : String(err)
    if (connected && /Command timed out/.test(msg)) {
      throw new Error(`Node ${formatAddress(addr)} accepted the connection but did not answer PING within ${opts.commandTimeoutMs} ms (--command-timeout)`)
    }
    throw new Error(`Could not connect to Redis at ${formatAddress(addr)}: ${msg}`)
  }
}

export function closeQuietly(client: Redis | undefined): void {
  if (!client) return
  try {
    client.disconnect()
  } catch {
    // already closed
  }
}
