// Free-port probing: the data port and the bus port must both be free; bus ports stay below 32768
// (the Linux ephemeral range starts there) by using cluster-port instead of port+10000.
import {createServer} from 'node:net'

export function portFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer()
    s.once('error', () => resolve(false))
    s.listen({port, host, exclusive: true}, () => s.close(() => resolve(true)))
  })
}

const reserved = new Set<number>()

/**
 * A data port and bus port, both free. With `base`, ports are tried upward from it (bus = port+10000
 * when that stays below 32768, else port+1000); otherwise random ports in [10000, 20000).
 */
export async function freePortPair(base?: number): Promise<{port: number; busPort: number}> {
  for (let i = 0; i < 2000; i++) {
    const port = base !== undefined ? base + i : 10000 + Math.floor(Math.random() * 10000)
    if (port > 65535) break
    const busPort = port + 10000 < 32768 ? port + 10000 : port + 1000
    if (busPort > 65535 || reserved.has(port) || reserved.has(busPort)) continue
    if ((await portFree(port)) && (await portFree(busPort))) {
      reserved.add(port)
      reserved.add(busPort)
      return {port, busPort}
    }
  }
  throw new Error(base !== undefined ? `no free port pair at or above ${base}` : 'no free port pair found')
}
