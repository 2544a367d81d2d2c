// TCP transport of the cluster bus (TLS with tls-cluster): the listener on the bus port (inbound
// links) and outbound connections to peers. Frames are split by BusFramer; a peer that sends garbage or an
// invalid frame is dropped (the socket is destroyed) and the node carries on.
import net from 'node:net'
import tls from 'node:tls'
import {AcceptedConnections, HeldAccepts, dial} from '../../tls.js'
import {BusCodecError, BusFramer} from './codec.js'
import type {BusLink, ClusterNode} from '../node.js'

export interface LinkHandlers {
  /** Returns false when the frame is invalid and the link must be dropped. */
  onFrame(link: BusLink, frame: Buffer): boolean
  onConnect(link: SocketLink): void
  onClose(link: SocketLink): void
  /** True when frames to this link's node must be silently discarded (a test partition). */
  dropOutgoing?(link: SocketLink): boolean
  log(msg: string): void
}

/** Strip the IPv4-mapped prefix so a node announces "127.0.0.1", not "::ffff:127.0.0.1". */
export function normalizeIp(ip: string | undefined): string {
  if (!ip) return ''
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip
}

/** Above this much unsent data a peer is too slow; Redis' cluster-link-sendbuf-limit idea. */
const MAX_PENDING = 256 * 1024 * 1024

export class SocketLink implements BusLink {
  node: ClusterNode | null
  readonly ctime: number
  private connected: boolean
  private pending: Buffer[] = []
  private closed = false
  private corked = false
  private readonly framer = new BusFramer()
  private frozen = false

  /** `ready`: an outbound link's connected event (dial), frames written before it wait */
  constructor(private readonly sock: net.Socket, readonly inbound: boolean, node: ClusterNode | null, now: number, private readonly h: LinkHandlers, ready: 'connect' | 'secureConnect' = 'connect') {
    this.node = node
    this.ctime = now
    this.connected = inbound
    sock.setNoDelay(true)
    if (inbound) this.rememberAddresses()
    sock.on('data', (chunk: Buffer) => this.onData(chunk))
    sock.on('error', () => this.close())
    sock.on('close', () => this.close())
    if (!inbound) {
      sock.once(ready, () => {
        if (this.closed) return
        this.connected = true
        this.rememberAddresses()
        for (const b of this.pending) sock.write(b)
        this.pending = []
        h.onConnect(this)
      })
    }
  }

  // Both addresses are read once the socket is connected and kept: Node.js stops reporting them
  // when the peer resets the connection, while frames it sent before are still being processed
  // (a busy peer freeing a link on timeout), and an empty peer address must never become a
  // node's address (redis nodeIp2String fails instead and the address is left alone).
  private local = ''
  private remote = ''
  get localIp(): string {
    if (this.local === '') this.local = normalizeIp(this.sock.localAddress)
    return this.local
  }
  get remoteIp(): string {
    if (this.remote === '') this.remote = normalizeIp(this.sock.remoteAddress)
    return this.remote
  }
  /** A frozen node (NodeServer.freeze) reads nothing from its links. */
  freeze(on: boolean): void {
    if (on === this.frozen || this.closed) return
    this.frozen = on
    if (on) this.sock.pause()
    else this.sock.resume()
  }

  private rememberAddresses(): void {
    void this.localIp
    void this.remoteIp
  }
  get sendBufferUsed(): number {
    let n = this.sock.writableLength
    for (const b of this.pending) n += b.length
    return n
  }
  get isConnected(): boolean {
    return this.connected && !this.closed
  }

  send(frame: Buffer): void {
    if (this.closed || this.h.dropOutgoing?.(this)) return
    if (!this.connected) {
      this.pending.push(frame)
      return
    }
    if (this.sock.writableLength > MAX_PENDING) {
      this.h.log('Freeing cluster link: output buffer limit reached')
      this.close()
      return
    }
    // Frames sent in one event-loop turn (a pipeline of SETSLOT NODE broadcasts a PONG per slot)
    // leave in one writev, as Redis's write handler drains a link's send queue at once.
    if (!this.corked) {
      this.corked = true
      this.sock.cork()
      process.nextTick(() => {
        this.corked = false
        this.sock.uncork()
      })
    }
    this.sock.write(frame)
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.pending = []
    this.sock.destroy()
    this.h.onClose(this)
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return
    let frames: Buffer[]
    try {
      frames = this.framer.push(chunk)
    } catch (e) {
      if (!(e instanceof BusCodecError)) throw e
      this.h.log(`Bad message length or signature received on cluster bus from ${this.remoteIp}`)
      this.close()
      return
    }
    for (const f of frames) {
      if (this.closed) return
      if (!this.h.onFrame(this, f)) {
        this.close()
        return
      }
    }
  }
}

/** tls-cluster's contexts: the listener's (a peer must present a valid certificate) and the connecting side's. */
export interface BusTls {
  server: tls.TlsOptions
  client: tls.ConnectionOptions
}

export class BusListener {
  private servers: net.Server[] = []
  readonly inbound = new Set<SocketLink>()
  /** every accepted TCP connection, a TLS one before its handshake is done too (not a link yet) */
  private readonly accepted = new AcceptedConnections()
  private closing = false
  private frozen = false
  private readonly heldAccepts = new HeldAccepts()

  constructor(
    private readonly h: LinkHandlers,
    private readonly now: () => number,
    private readonly tls: BusTls | null = null,
  ) {}

  /** Freeze or thaw the inbound links and the accepting (NodeServer.freeze). */
  freeze(on: boolean): void {
    this.frozen = on
    for (const l of this.inbound) l.freeze(on)
    if (!on) this.heldAccepts.release()
  }

  /** Hosts prefixed with '-' are optional (as in redis' bind). Resolves with the bound port. */
  async listen(hosts: string[], port: number): Promise<number> {
    this.closing = false
    let bound = port
    let any = false
    for (const raw of hosts) {
      const optional = raw.startsWith('-')
      const host = optional ? raw.slice(1) : raw
      try {
        bound = await this.listenOne(host, bound)
        any = true
      } catch (e) {
        if (!optional) throw e
      }
    }
    if (!any) throw new Error(`Could not bind the cluster bus to any of: ${hosts.join(' ')}`)
    return bound
  }

  private listenOne(host: string, port: number): Promise<number> {
    // redis accepts bus links with TLS_CLIENT_AUTH_YES whatever tls-auth-clients says
    const accept = (sock: net.Socket): void => {
      if (this.closing) return void sock.destroy()
      // a stopped process accepts nobody: the connection waits (as in the listen backlog)
      if (this.frozen) return this.heldAccepts.hold(sock, accept)
      const link = new SocketLink(sock, true, null, this.now(), {
        ...this.h,
        onClose: (l) => {
          this.inbound.delete(l)
          this.h.onClose(l)
        },
      })
      this.inbound.add(link)
    }
    const srv = this.tls !== null ? tls.createServer({...this.tls.server, requestCert: true, rejectUnauthorized: true}, accept) : net.createServer(accept)
    if (this.tls !== null) srv.on('tlsClientError', (e) => this.h.log(`Cluster bus TLS handshake refused: ${e.message}`))
    srv.on('connection', (raw: net.Socket) => this.accepted.add(raw))
    return new Promise<number>((resolve, reject) => {
      srv.once('error', reject)
      srv.listen({host, port, ipv6Only: host.includes(':')}, () => {
        srv.off('error', reject)
        srv.on('error', (e) => this.h.log(`Cluster bus listener error: ${e.message}`))
        this.servers.push(srv)
        resolve((srv.address() as net.AddressInfo).port)
      })
    })
  }

  connect(node: ClusterNode): SocketLink | null {
    if (!node.ip || !node.cport) return null
    const {sock, ready} = dial({host: node.ip, port: node.cport}, this.tls?.client ?? null)
    return new SocketLink(sock, false, node, this.now(), this.h, ready)
  }

  /**
   * Stop listening and drop every inbound connection. A server's close callback waits for all of
   * its connections: a peer's TLS handshake still in progress is not a link yet, so it is destroyed
   * here too (else a shutdown waited for it, up to the 120 s handshake timeout, while the node kept
   * answering on its other links and was failed over in the meantime).
   */
  async close(): Promise<void> {
    this.closing = true
    const closed = this.servers.map((s) => new Promise<void>((r) => s.close(() => r())))
    for (const l of [...this.inbound]) l.close()
    this.accepted.dropAll()
    await Promise.all(closed)
    this.servers = []
  }
}
