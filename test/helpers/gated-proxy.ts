// A TCP proxy in front of a node that holds everything the node answers until open() is called
// (then passes it on, in order): makes a MIGRATE stay in flight for as long as a test needs.
import * as net from 'node:net'
import type {Redis} from 'ioredis'
import {waitFor} from './repl.js'

export interface GatedProxy {
  port: number
  open: () => void
  close: () => void
}

export async function gatedProxy(targetPort: number): Promise<GatedProxy> {
  const socks: net.Socket[] = []
  const waiting: (() => void)[] = []
  let opened = false
  const proxy = net.createServer((client) => {
    const up = net.connect(targetPort, '127.0.0.1')
    socks.push(client, up)
    client.on('data', (d) => up.write(d))
    up.on('data', (d) => {
      const pass = () => client.writable && client.write(d)
      if (opened) pass()
      else waiting.push(pass)
    })
    client.on('error', () => undefined)
    up.on('error', () => undefined)
    client.on('close', () => up.destroy())
  })
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r))
  return {
    port: (proxy.address() as net.AddressInfo).port,
    open: () => {
      opened = true
      for (const f of waiting.splice(0)) f()
    },
    close: () => {
      for (const x of socks) x.destroy()
      proxy.close()
    },
  }
}

/** Poll (through `watcher`, a client of the source node) until a connection is running MIGRATE. */
export async function waitMigrateInFlight(watcher: Redis): Promise<void> {
  await waitFor(async () => /cmd=migrate/.test((await watcher.client('LIST')) as string), 30_000, 'MIGRATE in flight')
}

/** Poll until the node holds exactly `n` clients (INFO blocked_clients counts held commands). */
export async function waitBlocked(watcher: Redis, n: number, what: string): Promise<void> {
  await waitFor(async () => (await blockedClients(watcher)) === n, 30_000, what)
}

export async function blockedClients(watcher: Redis): Promise<number> {
  return Number(/blocked_clients:(\d+)/.exec((await watcher.info('clients')) as string)![1])
}
