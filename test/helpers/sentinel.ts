// Helpers for the Sentinel tests: a short-lived client, polling, and a writer that only counts
// writes a replica acknowledged (WAIT 1) so "0 acknowledged writes lost" can be checked.
import {Redis} from 'ioredis'

export function client(port: number): Redis {
  const c = new Redis({port, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null})
  c.on('error', () => {})
  return c
}

export async function call(port: number, ...args: (string | number)[]): Promise<unknown> {
  const c = client(port)
  try {
    return await c.call(String(args[0]), ...args.slice(1).map(String))
  } finally {
    c.disconnect()
  }
}

export async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 30000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  for (;;) {
    try {
      const v = await fn()
      if (v) return v
    } catch (e) {
      last = e
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}

export async function masterAddr(sentinelPort: number, name: string): Promise<string | null> {
  try {
    const r = (await call(sentinelPort, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name)) as string[] | null
    return r ? `${r[0]}:${r[1]}` : null
  } catch {
    return null
  }
}

/** Every Sentinel reports `addr` for `name`. */
export async function allAgree(ports: number[], name: string, addr: string): Promise<boolean> {
  const views = await Promise.all(ports.map((p) => masterAddr(p, name)))
  return views.every((v) => v === addr)
}

export function infoField(info: string, field: string): string | undefined {
  return new RegExp(`^${field}:(.*)\\r?$`, 'm').exec(info)?.[1]
}

/** Writes k<i> = i through an ioredis Sentinel client; a write counts once WAIT 1 confirms a replica has it. */
export class AckedWriter {
  readonly acked: number[] = []
  errors = 0
  private stopped = false
  private done?: Promise<void>
  readonly redis: Redis
  constructor(sentinelPorts: number[], name: string) {
    this.redis = new Redis({
      sentinels: sentinelPorts.map((port) => ({host: '127.0.0.1', port})),
      name,
      maxRetriesPerRequest: 1,
      sentinelRetryStrategy: () => 100,
      retryStrategy: () => 100,
    })
    this.redis.on('error', () => {})
  }
  start(): void {
    this.done = (async () => {
      for (let i = 0; !this.stopped; i++) {
        try {
          await this.redis.set(`k${i}`, String(i))
          const n = (await this.redis.call('WAIT', '1', '500')) as number
          if (n >= 1) this.acked.push(i)
        } catch {
          this.errors++
          await new Promise((r) => setTimeout(r, 50))
        }
        await new Promise((r) => setTimeout(r, 5))
      }
    })()
  }
  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    await this.done
    this.redis.disconnect()
  }
}
