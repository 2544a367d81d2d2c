// A pool of admin connections keyed by address, shared by one command run and closed at its end.
import type {Redis} from 'ioredis'
import {formatAddress, type NodeAddress} from './address.js'
import {closeQuietly, connectNode, type ConnectOptions} from './connection.js'

export class NodePool {
  private readonly clients = new Map<string, Promise<Redis>>()
  constructor(readonly options: ConnectOptions) {}

  get(addr: NodeAddress): Promise<Redis> {
    return this.open(formatAddress(addr), addr, this.options)
  }

  /**
   * A separate connection for sending MIGRATE (which blocks the source up to its own timeout): its
   * reply timeout is `migrateCommandTimeoutMs`, while every other command keeps the short one.
   */
  getForMigrate(addr: NodeAddress): Promise<Redis> {
    if (this.options.migrateCommandTimeoutMs === undefined) return this.get(addr)
    return this.open(`migrate|${formatAddress(addr)}`, addr, {...this.options, commandTimeoutMs: this.options.migrateCommandTimeoutMs})
  }

  private open(key: string, addr: NodeAddress, options: ConnectOptions): Promise<Redis> {
    let p = this.clients.get(key)
    if (!p) {
      p = connectNode(addr, options)
      // A failed connect is not cached: a later call may retry.
      p.catch(() => this.clients.delete(key))
      this.clients.set(key, p)
    }
    return p
  }

  /** Drop a cached connection (after a connection-level error). */
  forget(addr: NodeAddress): void {
    for (const key of [formatAddress(addr), `migrate|${formatAddress(addr)}`]) {
      const p = this.clients.get(key)
      this.clients.delete(key)
      p?.then(closeQuietly, () => {})
    }
  }

  async close(): Promise<void> {
    const all = [...this.clients.values()]
    this.clients.clear()
    await Promise.all(all.map((p) => p.then((c) => closeQuietly(c), () => {})))
  }
}
