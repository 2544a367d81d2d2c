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
 * Where random ports are drawn from: [10000, 20000) by default; REDIS_TS_TEST_PORT_BASE (and
 * optionally REDIS_TS_TEST_PORT_SPAN, default 1000) moves the window, so test suites and CI jobs
 * sharing a machine can be given disjoint ranges.
 */
export function randomPortRange(env: NodeJS.ProcessEnv = process.env): [number, number] {
  const base = Number(env.REDIS_TS_TEST_PORT_BASE)
  if (env.REDIS_TS_TEST_PORT_BASE && Number.isInteger(base) && base >= 1024 && base < 65535) {
    const span = Number(env.REDIS_TS_TEST_PORT_SPAN) > 0 ? Math.floor(Number(env.REDIS_TS_TEST_PORT_SPAN)) : 1000
    return [base, Math.min(base + span, 65536)]
  }
  return [10000, 20000]
}

export function busPortFor(port: number): number {
  return port + 10000 < 32768 ? port + 10000 : port + 1000 <= 65535 ? port + 1000 : port - 1000
}

/**
 * A data port and bus port, both free. With `base`, ports are tried upward from it (bus = port+10000
 * when that stays below 32768, else port+1000); otherwise random ports in randomPortRange().
 */
export async function freePortPair(base?: number, host = '127.0.0.1'): Promise<{port: number; busPort: number}> {
  const [lo, hi] = randomPortRange()
  for (let i = 0; i < 2000; i++) {
    const port = base !== undefined ? base + i : lo + Math.floor(Math.random() * (hi - lo))
    if (port > 65535) break
    const busPort = busPortFor(port)
    if (reserved.has(port) || reserved.has(busPort)) continue
    if ((await portFree(port, host)) && (await portFree(busPort, host))) {
      reserved.add(port)
      reserved.add(busPort)
      return {port, busPort}
    }
  }
  throw new Error(base !== undefined ? `no free port pair at or above ${base}` : `no free port pair found in ${lo}-${hi - 1}`)
}

/** Forget reservations (a stopped cluster's ports may be taken again by `local start`). */
export function release(ports: number[]): void {
  for (const p of ports) reserved.delete(p)
}
