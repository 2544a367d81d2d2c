// A pool of admin connections keyed by address, shared by one command run and closed at its end.
import type {Redis} from 'ioredis'
import {formatAddress, type NodeAddress} from './address.js'
import {closeQuietly, connectNode, type ConnectOptions} from './connection.js'

export class NodePool {
  private readonly clients = new Map<string, Promise<Redis>>()
  constructor(readonly options: ConnectOptions) {}

  get(addr: NodeAddress): Promise<Redis> {
    const key = formatAddress(addr)
    let p = this.clients.get(key)
    if (!p) {
      p = connectNode(addr, this.options)
      // A failed connect is not cached: a later call may retry.
      p.catch(() => this.clients.delete(key))
      this.clients.set(key, p)
    }
    return p
  }

  /** Drop a cached connection (after a connection-level error). */
  forget(addr: NodeAddress): void {
    const key = formatAddress(addr)
    const p = this.clients.get(key)
    this.clients.delete(key)
    p?.then(closeQuietly, () => {})
  }

  async close(): Promise<void> {
    const all = [...this.clients.values()]
    this.clients.clear()
    await Promise.all(all.map((p) => p.then((c) => closeQuietly(c), () => {})))
  }
}
