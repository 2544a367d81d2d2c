// TLS as a redis-server built with it (redis tls.c): the tls-* settings make a server context (the
// tls-port listeners) and a client context (a replica's link to its master with tls-replication,
// MIGRATE with tls-cluster), built and checked together as tlsConfigure does, with its log lines
// for what is missing or unreadable. Built again on CONFIG SET of any tls-* file or option while
// TLS is in use; the listeners take the new context for their next handshakes.
import {readdirSync, readFileSync, statSync} from 'node:fs'
import net from 'node:net'
import {join} from 'node:path'
import tls from 'node:tls'
import type {NodeConfig} from './config.js'
import type {Logger} from './log.js'

export interface TlsContexts {
  /** tls.createServer's options (client certificates are checked per connection: acceptTlsClient) */
  server: tls.TlsOptions
  /** tls.connect's options for the node's own outgoing links */
  client: tls.ConnectionOptions
}

/**
 * The node's outgoing connections (the bus, MIGRATE, a replica's link to its master): over TLS
 * with `secure` (tls.connect's options, the client context), plain TCP without. `ready` names the
 * event after which the link may be used: a TLS link is up once its handshake is done.
 */
export function dial(where: {host: string; port: number; localAddress?: string}, secure: tls.ConnectionOptions | null): {sock: net.Socket; ready: 'connect' | 'secureConnect'} {
  if (secure === null) return {sock: net.connect(where), ready: 'connect'}
  return {sock: tls.connect({...secure, ...where}), ready: 'secureConnect'}
}

/**
 * A listener's TCP connections from accept on, a TLS one still in its handshake too (not a session
 * or a bus link yet). A listener's close() waits for every one of its connections, and Node.js
 * gives up on a handshake only after 120 s: a shutdown drops them (dropAll), as redis drops every
 * connection when it exits.
 */
export class AcceptedConnections {
  private readonly socks = new Set<net.Socket>()

  add(raw: net.Socket): void {
    this.socks.add(raw)
    raw.once('close', () => this.socks.delete(raw))
  }

  dropAll(): void {
    for (const raw of [...this.socks]) raw.destroy()
  }
}

/**
 * Connections accepted while a node is frozen (NodeServer.freeze): held unread, as in a stopped
 * process's listen backlog, and handed to `accept` when the node thaws (release).
 */
export class HeldAccepts {
  private readonly held: (() => void)[] = []

  hold(sock: net.Socket, accept: (sock: net.Socket) => void): void {
    sock.pause()
    sock.on('error', () => undefined)
    this.held.push(() => {
      if (sock.destroyed) return
      accept(sock)
      sock.resume()
    })
  }

  release(): void {
    for (const a of this.held.splice(0)) a()
  }
}

/** What redis's tlsConfigure failing leaves: the reason is in the log. */
export class TlsConfigError extends Error {}

/**
 * CONFIG SET tls-cluster on a running cluster node (null: fine). The bus listener and the ports
 * the node announces are chosen at start (tls-cluster: the TLS port and a TLS bus); redis switches
 * its outgoing links and announced ports at once and keeps the listener, which leaves a cluster
 * whose nodes disagree on how to reach each other until restarted: set it in the config instead.
 */
export function tlsClusterChange(cfg: NodeConfig, started: boolean): string | null {
  if (!cfg.bool('cluster-enabled') || started === cfg.bool('tls-cluster')) return null
  return 'tls-cluster of a running cluster node cannot change (its bus and announced ports are chosen at start): set it in the config file or on the command line'
}

/** TLS is in use: a TLS port, or TLS for the replication link or the cluster (redis applyTlsCfg). */
export function tlsWanted(cfg: NodeConfig): boolean {
  return cfg.int('tls-port') !== 0 || cfg.bool('tls-replication') || cfg.bool('tls-cluster')
}

const PROTOCOLS = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const

/** redis parseProtocolsConfig: the versions named (any case), TLSv1.2 and TLSv1.3 when none is. */
function protocolRange(cfg: NodeConfig, log: Logger): {minVersion: tls.SecureVersion; maxVersion: tls.SecureVersion} {
  const words = cfg.get('tls-protocols').split(/\s+/).filter(Boolean)
  if (words.length === 0) return {minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3'}
  const picked: number[] = []
  for (const w of words) {
    const i = PROTOCOLS.findIndex((p) => p.toLowerCase() === w.toLowerCase())
    if (i === -1) {
      log.warning(`Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'.`)
      throw new TlsConfigError('tls-protocols')
    }
    picked.push(i)
  }
  // Node.js takes a range: a set with a gap ("TLSv1 TLSv1.2") allows the versions between too
  return {minVersion: PROTOCOLS[Math.min(...picked)], maxVersion: PROTOCOLS[Math.max(...picked)]}
}

/**
 * Node.js takes TLS 1.3 suites and older ciphers in one list; tls-ciphersuites replaces the first
 * part of its default and tls-ciphers the second, as the two OpenSSL calls redis makes do.
 */
function cipherList(cfg: NodeConfig): string | undefined {
  const suites = cfg.get('tls-ciphersuites')
  const ciphers = cfg.get('tls-ciphers')
  if (suites === '' && ciphers === '') return undefined
  const def = tls.DEFAULT_CIPHERS.split(':')
  const v13 = suites !== '' ? suites : def.filter((c) => c.startsWith('TLS_')).join(':')
  const v12 = ciphers !== '' ? ciphers : def.filter((c) => !c.startsWith('TLS_')).join(':')
  return [v13, v12].filter(Boolean).join(':')
}

function load(path: string, what: string, log: Logger): Buffer {
  try {
    return readFileSync(path)
  } catch (e) {
    log.warning(`Failed to load ${what}: ${path}: ${(e as Error).message}`)
    throw new TlsConfigError(what)
  }
}

/** tls-ca-cert-dir: every certificate file in it (OpenSSL's hashed links are files too). */
function caDir(dir: string, log: Logger): Buffer[] {
  try {
    const out: Buffer[] = []
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name)
      if (!statSync(p).isFile()) continue
      const b = readFileSync(p)
      if (b.includes('-----BEGIN CERTIFICATE-----')) out.push(b)
    }
    return out
  } catch (e) {
    log.warning(`Failed to configure CA certificate(s) file/directory: ${dir}: ${(e as Error).message}`)
    throw new TlsConfigError('tls-ca-cert-dir')
  }
}

/** redis tlsConfigure: both contexts from the settings, or TlsConfigError after the log line saying why. */
export function tlsConfigure(cfg: NodeConfig, log: Logger): TlsContexts {
  const certFile = cfg.get('tls-cert-file')
  const keyFile = cfg.get('tls-key-file')
  if (certFile === '') {
    log.warning('No tls-cert-file configured!')
    throw new TlsConfigError('tls-cert-file')
  }
  if (keyFile === '') {
    log.warning('No tls-key-file configured!')
    throw new TlsConfigError('tls-key-file')
  }
  const caFile = cfg.get('tls-ca-cert-file')
  const caDirPath = cfg.get('tls-ca-cert-dir')
  if ((cfg.get('tls-auth-clients') !== 'no' || cfg.bool('tls-cluster') || cfg.bool('tls-replication')) && caFile === '' && caDirPath === '') {
    log.warning('Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, tls-replication or tls-auth-clients are enabled!')
    throw new TlsConfigError('tls-ca-cert-file')
  }
  const versions = protocolRange(cfg, log)
  const ca: Buffer[] = []
  if (caFile !== '') ca.push(load(caFile, 'CA certificate(s) file', log))
  if (caDirPath !== '') ca.push(...caDir(caDirPath, log))
  const ciphers = cipherList(cfg)
  const common = {...versions, ...(ca.length !== 0 ? {ca} : {}), ...(ciphers !== undefined ? {ciphers} : {})}
  const server: tls.TlsOptions = {
    ...common,
    cert: load(certFile, 'certificate', log),
    key: load(keyFile, 'private key', log),
    ...(cfg.get('tls-key-file-pass') !== '' ? {passphrase: cfg.get('tls-key-file-pass')} : {}),
    ...(cfg.get('tls-dh-params-file') !== '' ? {dhparam: load(cfg.get('tls-dh-params-file'), 'DH params file', log)} : {}),
    honorCipherOrder: cfg.bool('tls-prefer-server-ciphers'),
    sessionTimeout: cfg.int('tls-session-cache-timeout'),
    // the certificate is asked for on every connection; whether it must be there and valid is
    // tls-auth-clients' at accept time (redis reads server.tls_auth_clients per connection)
    requestCert: true,
    rejectUnauthorized: false,
  }
  // tls-client-cert-file / -key-file: the node's own certificate when it connects, else tls-cert-file's
  const clientCert = cfg.get('tls-client-cert-file')
  const clientKey = cfg.get('tls-client-key-file')
  const ownClient = clientCert !== '' && clientKey !== ''
  const client: tls.ConnectionOptions = {
    ...common,
    cert: ownClient ? load(clientCert, 'client certificate', log) : server.cert,
    key: ownClient ? load(clientKey, 'client private key', log) : server.key,
    ...(ownClient ? (cfg.get('tls-client-key-file-pass') !== '' ? {passphrase: cfg.get('tls-client-key-file-pass')} : {}) : server.passphrase !== undefined ? {passphrase: server.passphrase} : {}),
    // redis verifies the peer's chain (SSL_VERIFY_PEER) and not its name
    rejectUnauthorized: true,
    checkServerIdentity: () => undefined,
  }
  // build both now: a wrong passphrase, a key that does not match its certificate, a bad cipher
  // list fail here, with the settings, not at the first handshake
  for (const [opts, which] of [
    [server, 'server'],
    [client, 'client'],
  ] as const) {
    try {
      tls.createSecureContext(opts)
    } catch (e) {
      log.warning(`Failed to configure the TLS ${which} context: ${(e as Error).message}`)
      throw new TlsConfigError(which)
    }
  }
  return {server, client}
}

/**
 * tls-auth-clients for a connection that completed its handshake: `yes` wants a valid client
 * certificate, `optional` refuses only an invalid one, `no` takes any. The reason when refused.
 */
export function clientRefusal(sock: tls.TLSSocket, mode: string): string | null {
  if (mode === 'no' || sock.authorized) return null
  const presented = Object.keys(sock.getPeerCertificate() ?? {}).length !== 0
  if (mode === 'optional' && !presented) return null
  return presented ? String(sock.authorizationError) : 'peer did not return a certificate'
}
