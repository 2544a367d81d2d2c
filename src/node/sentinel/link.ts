// The two connections a Sentinel keeps to every instance (sentinel.c instanceLink): a command
// link (PING, INFO, PUBLISH hello, SLAVEOF ...) and, for masters and replicas, a Pub/Sub link
// subscribed to __sentinel__:hello. Both are RespClients (client.ts) that never reconnect by
// themselves: the Sentinel timer notices a dead link and opens a new one (at most once per
// ping period), exactly like redis's own reconnect logic.
import {RespClient} from './client.js'

export const HELLO_CHANNEL = '__sentinel__:hello'

export interface LinkOptions {
  host: string
  port: number
  username?: string
  password?: string
  clientName: (type: 'cmd' | 'pubsub') => string
  /** null for Sentinels (no Pub/Sub link) */
  onHello: ((message: string) => void) | null
  connectTimeout: number
}

export class Link {
  cc: RespClient | null = null
  pc: RespClient | null = null
  disconnected = true
  pendingCommands = 0
  ccConnTime = 0
  pcConnTime = 0
  pcLastActivity = 0
  lastAvailTime: number
  /** time of the oldest PING still unanswered; 0 = none pending */
  actPingTime: number
  lastPingTime = 0
  lastPongTime: number
  lastReconnTime = 0

  constructor(now: number) {
    this.lastAvailTime = now
    this.actPingTime = now
    this.lastPongTime = now
  }

  connect(opts: LinkOptions, now: number): void {
    const base = {host: opts.host, port: opts.port, username: opts.username, password: opts.password, connectTimeout: opts.connectTimeout}
    if (!this.cc) {
      const cc = new RespClient({...base, name: opts.clientName('cmd')})
      this.cc = cc
      this.ccConnTime = now
      this.pendingCommands = 0
      cc.onClose = () => this.closeConnection(cc)
    }
    if (opts.onHello && !this.pc) {
      const pc = new RespClient({...base, name: opts.clientName('pubsub')})
      this.pc = pc
      this.pcConnTime = now
      this.pcLastActivity = now
      pc.onClose = () => this.closeConnection(pc)
      const onHello = opts.onHello
      pc.onMessage = (channel, message) => {
        this.pcLastActivity = Date.now()
        if (channel === HELLO_CHANNEL) onHello(message)
      }
      pc.subscribe(HELLO_CHANNEL).then(
        () => (this.pcLastActivity = Date.now()),
        () => this.closeConnection(pc),
      )
    }
    this.disconnected = !(this.cc && (this.pc || !opts.onHello))
  }

  /** Drop one connection (or both when c is undefined); the timer reconnects later. */
  closeConnection(c?: RespClient | null): void {
    if (c === undefined) {
      this.closeConnection(this.cc)
      this.closeConnection(this.pc)
      return
    }
    if (!c) return
    if (c === this.cc) {
      this.cc = null
      this.pendingCommands = 0
    } else if (c === this.pc) this.pc = null
    else return
    this.disconnected = true
    c.onClose = null
    c.onMessage = null
    c.close()
  }

  /** Send a command on the command link; resolves with the reply or an Error (never rejects). */
  send(argv: (string | number)[]): Promise<unknown> | null {
    const cc = this.cc
    if (!cc) return null
    this.pendingCommands++
    return cc.call(argv).then(
      (r) => {
        if (this.cc === cc) this.pendingCommands--
        return r
      },
      (e: Error) => {
        if (this.cc === cc) this.pendingCommands--
        return e
      },
    )
  }

  /** Local address of the command link (the IP announced in hello messages). */
  localAddress(): string | undefined {
    return this.cc?.localAddress
  }
}
