// Free-port probing for tests and benchmarks: data port and bus port both free, bus port < 32768.
import {createServer} from 'node:net'

export function portFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer()
    s.once('error', () => resolve(false))
    s.listen({port, host, exclusive: true}, () => s.close(() => resolve(true)))
  })
}

const taken = new Set<number>()

/** A data port P in [10000, 20000) with P and P+10000 free (bus port stays below 32768). */
export async function freePortPair(): Promise<{port: number; busPort: number}> {
  for (let i = 0; i < 500; i++) {
    const port = 10000 + Math.floor(Math.random() * 10000)
    const busPort = port + 10000
    if (taken.has(port) || taken.has(busPort)) continue
    if ((await portFree(port)) && (await portFree(busPort))) {
      taken.add(port)
      taken.add(busPort)
      return {port, busPort}
    }
  }
  throw new Error('no free port pair found')
}
