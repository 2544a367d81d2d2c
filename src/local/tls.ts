// TLS for local clusters: the certificate files a TLS-only cluster's nodes use (and the clients
// present: tls-auth-clients stays at Redis's default, yes), either the user's own (--cacert/--cert/
// --key) or generated here with the openssl CLI into <state dir>/tls, as redis's
// utils/gen-test-certs.sh does for its test suite: a CA and one certificate the nodes use as server
// and as client (bus, replication, MIGRATE) and that clients present too. Checked here before any node
// starts, so a bad file is one clear error instead of nodes dying in their logs.
import {spawnSync} from 'node:child_process'
import {X509Certificate, createPrivateKey, randomBytes} from 'node:crypto'
import {chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {isIP} from 'node:net'
import {join, resolve} from 'node:path'
import type {TlsOptions} from '../admin/connection.js'
import {RedisTsError} from '../errors.js'

/** A TLS cluster's three files: the CA, the certificate nodes and clients present, its key. */
export interface TlsPaths {
  ca: string
  cert: string
  key: string
}

/** What the state file records: absolute paths; `generated` files live in the state directory. */
export interface LocalTlsFiles extends TlsPaths {
  generated: boolean
}

/** The API's `tls` option: true generates a CA and a certificate, or the user's files. */
export type LocalTlsOption = boolean | TlsPaths

/** The CLI's connection flags as a local cluster's TLS option (undefined: a plain cluster). */
export function tlsOptionFromFlags(f: {tls?: boolean; cacert?: string; cert?: string; key?: string}): LocalTlsOption | undefined {
  const given = (['cacert', 'cert', 'key'] as const).filter((k) => f[k] !== undefined)
  if (!f.tls) {
    if (given.length) throw new RedisTsError('usage', `--${given[0]} needs --tls for a local cluster`, {hint: 'Add --tls (the nodes then use these files), or leave the certificate flags out.'})
    return undefined
  }
  if (given.length === 0) return true
  if (given.length < 3) {
    const missing = (['cacert', 'cert', 'key'] as const).filter((k) => f[k] === undefined)
    throw new RedisTsError('usage', `--tls with --${given.join(' --')} also needs --${missing.join(' and --')}: a local TLS cluster's nodes need a CA, a certificate and its key`, {hint: 'Pass all three, or none of them and redis-ts generates them into the state directory.'})
  }
  return {ca: f.cacert!, cert: f.cert!, key: f.key!}
}

function readable(flag: string, file: string): Buffer {
  try {
    return readFileSync(file)
  } catch (err) {
    throw new RedisTsError('usage', `${flag} ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`)
  }
}

/** The user's files (or recorded ones, before a restart): readable, parseable, the key matching the certificate. */
export function checkTlsFiles(files: TlsPaths): void {
  const ca = readable('--cacert', files.ca)
  const cert = readable('--cert', files.cert)
  const key = readable('--key', files.key)
  let x509: X509Certificate
  try {
    new X509Certificate(ca)
  } catch {
    throw new RedisTsError('usage', `--cacert ${files.ca}: not a PEM certificate`)
  }
  try {
    x509 = new X509Certificate(cert)
  } catch {
    throw new RedisTsError('usage', `--cert ${files.cert}: not a PEM certificate`)
  }
  let pkey
  try {
    pkey = createPrivateKey(key)
  } catch (err) {
    throw new RedisTsError('usage', `--key ${files.key}: not a usable private key (${(err as Error).message.split('\n')[0]})`, {hint: 'Local nodes need an unencrypted PEM key.'})
  }
  if (!x509.checkPrivateKey(pkey)) throw new RedisTsError('usage', `--key ${files.key} does not belong to the certificate ${files.cert}`)
}

/** Is the openssl CLI there? Checked before anything is created. */
export function requireOpenssl(): void {
  const r = spawnSync('openssl', ['version'], {stdio: 'ignore'})
  if (r.error || r.status !== 0) {
    throw new RedisTsError('usage', '--tls needs the openssl command to generate certificates, and none was found on PATH', {hint: 'Install openssl, or pass your own --cacert, --cert and --key.'})
  }
}

/** Resolve the option to files: the user's (checked, absolute paths) or, for `true`, generated in `dir`/tls. */
export function localTlsFiles(opt: LocalTlsOption, dir: string, hosts: string[]): LocalTlsFiles {
  if (opt === true) return generateCerts(join(dir, 'tls'), hosts)
  if (opt === false) throw new Error('no TLS requested')
  const files = {ca: resolve(opt.ca), cert: resolve(opt.cert), key: resolve(opt.key)}
  checkTlsFiles(files)
  return {...files, generated: false}
}

function runOpenssl(args: string[], cwd: string): void {
  const r = spawnSync('openssl', args, {cwd, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8'})
  if (r.error || r.status !== 0) {
    const why = r.error?.message ?? (r.stderr ?? '').trim().split('\n')[0]
    throw new RedisTsError('internal', `openssl ${args[0]} failed while generating the cluster's certificates: ${why}`)
  }
}

/**
 * A CA and one certificate (server and client use, SANs for the loopback names and `hosts`) in
 * `tlsDir`: ca.crt, redis.crt, redis.key (0600). P-256 keys: generated at once, unlike RSA's
 * prime search, and accepted by redis-server, redis-cli, Node.js and every client library. The CA
 * key is removed once it signed: nothing else needs it, and one secret less stays on disk.
 */
export function generateCerts(tlsDir: string, hosts: string[]): LocalTlsFiles {
  mkdirSync(tlsDir, {recursive: true, mode: 0o700})
  const names = [...new Set(['127.0.0.1', '::1', 'localhost', ...hosts.filter(Boolean)])]
  const san = names.map((h) => (isIP(h) ? `IP:${h}` : `DNS:${h}`)).join(',')
  // Our own config file: the system's openssl.cnf may add extensions (or be missing).
  const cnf = join(tlsDir, 'openssl.cnf')
  writeFileSync(
    cnf,
    [
      '[req]',
      'distinguished_name = dn',
      'prompt = no',
      '[dn]',
      'O = redis-ts',
      '[ca_ext]',
      'basicConstraints = critical,CA:TRUE',
      'keyUsage = critical,keyCertSign,cRLSign',
      'subjectKeyIdentifier = hash',
      '[leaf_ext]',
      'basicConstraints = CA:FALSE',
      'extendedKeyUsage = serverAuth,clientAuth',
      `subjectAltName = ${san}`,
      '',
    ].join('\n'),
  )
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  try {
    runOpenssl(['req', '-x509', '-new', ...ec, '-config', cnf, '-extensions', 'ca_ext', '-subj', '/O=redis-ts/CN=redis-ts local cluster CA', '-days', '3650', '-keyout', 'ca.key', '-out', 'ca.crt'], tlsDir)
    runOpenssl(['req', '-new', ...ec, '-config', cnf, '-subj', '/O=redis-ts/CN=redis-ts local node', '-keyout', 'redis.key', '-out', 'redis.csr'], tlsDir)
    runOpenssl(['x509', '-req', '-in', 'redis.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', `0x${randomBytes(8).toString('hex')}`, '-days', '3650', '-extfile', cnf, '-extensions', 'leaf_ext', '-out', 'redis.crt'], tlsDir)
  } finally {
    for (const f of ['ca.key', 'redis.csr', 'openssl.cnf']) rmSync(join(tlsDir, f), {force: true})
  }
  chmodSync(join(tlsDir, 'redis.key'), 0o600)
  return {ca: join(tlsDir, 'ca.crt'), cert: join(tlsDir, 'redis.crt'), key: join(tlsDir, 'redis.key'), generated: true}
}

/** A node's TLS-only directives (after `port`): plain port 0, the cluster's port as tls-port, bus and replication over TLS. */
export function tlsDirectives(port: number, files: TlsPaths): string[][] {
  return [
    ['port', '0'],
    ['tls-port', String(port)],
    ['tls-cert-file', files.cert],
    ['tls-key-file', files.key],
    ['tls-ca-cert-file', files.ca],
    ['tls-cluster', 'yes'],
    ['tls-replication', 'yes'],
  ]
}

/**
 * Admin connection options for a local TLS cluster (the node certificate as client certificate).
 * The chain is checked against the cluster's CA, the host name not: certificates made the Redis way
 * (utils/gen-test-certs.sh) name no address, and redis-cli and the nodes' own links accept them.
 */
export function tlsConnectOptions(files: TlsPaths): TlsOptions {
  return {enabled: true, cacert: files.ca, cert: files.cert, key: files.key, checkHost: false}
}

/** Does the certificate name `host` (an IP SAN, or a DNS name)? Clients that check names need it to. */
export function certNamesHost(certFile: string, host: string): boolean {
  try {
    const x = new X509Certificate(readFileSync(certFile))
    return (isIP(host) ? x.checkIP(host) : x.checkHost(host)) !== undefined
  } catch {
    return false
  }
}

/** Before anything is created: openssl for generated files, or the user's files checked. */
export function preflightTls(opt: LocalTlsOption | undefined): void {
  if (opt === true) requireOpenssl()
  else if (opt) checkTlsFiles(opt)
}

/** tls.connect / ioredis `tls` options for clients of the cluster. */
export function clientTlsOptions(files: TlsPaths): {ca: Buffer; cert: Buffer; key: Buffer} {
  return {ca: readFileSync(files.ca), cert: readFileSync(files.cert), key: readFileSync(files.key)}
}
