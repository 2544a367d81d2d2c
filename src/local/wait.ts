// Waiting for local node processes to answer PING, failing fast (with the log path) when one exits.
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import type {Redis} from 'ioredis'
import {lazyClient} from '../admin/ioredis.js'
import type {NodePool} from '../admin/pool.js'
import {RedisTsError} from '../errors.js'
import {mark} from '../timing.js'
import {nodeAlive, type LocalClusterState, type LocalNodeState} from './state.js'

/** The address clients use to reach nodes listening on `bind` (wildcards map to loopback). */
export function connectHost(state: {bind: string}): string {
  const b = state.bind.split(/\s+/)[0]
  if (b === '0.0.0.0' || b === '*') return '127.0.0.1'
  if (b === '::' || b === '-::*' || b === '::*') return '::1'
  return b.replace(/^-/, '')
}

export async function waitAnswering(pool: NodePool, state: LocalClusterState, nodes: LocalNodeState[], timeoutMs: number): Promise<void> {
  const host = connectHost(state)
  const deadline = Date.now() + timeoutMs
  await Promise.all(
    nodes.map(async (n) => {
      for (;;) {
        try {
          const c = await pool.get({host, port: n.port})
          await c.ping()
          mark(`node ${n.port} answers PING`)
          return
        } catch (err) {
          if (!nodeAlive(n)) throw new RedisTsError('internal', `node on port ${n.port} exited during start-up (see ${join(n.dir, 'node.log')})`)
          if (Date.now() > deadline) throw new RedisTsError('timeout', `node on port ${n.port} did not answer within ${timeoutMs} ms: ${(err as Error).message}`)
          pool.forget({host, port: n.port})
          await new Promise((r) => setTimeout(r, 20))
        }
      }
    }),
  )
}

export interface AnswerOptions {
  /** connect with TLS, trusting this CA file; with cert and key, presenting them (tls-auth-clients yes, a local TLS cluster's nodes) */
  tls?: {ca: string; cert?: string; key?: string}
  password?: string
  /** give up (throw) after this long; default 20 s */
  timeoutMs?: number
  /** pause between attempts; default 50 ms */
  intervalMs?: number
}

/** A client connected to 127.0.0.1:`port` once something there answers PING (redis-server or an embedded node). */
export async function connectAnswering(port: number, opts: AnswerOptions = {}): Promise<Redis> {
  const deadline = Date.now() + (opts.timeoutMs ?? 20000)
  for (;;) {
    const c = await lazyClient({port, host: '127.0.0.1', ...(opts.password ? {password: opts.password} : {}), ...(opts.tls ? {tls: {ca: readFileSync(opts.tls.ca), ...(opts.tls.cert && opts.tls.key ? {cert: readFileSync(opts.tls.cert), key: readFileSync(opts.tls.key)} : {})}} : {})})
    try {
      await c.connect()
      await c.ping()
      return c
    } catch {
      c.disconnect()
      if (Date.now() > deadline) throw new Error(`nothing answers on port ${port}`)
      await new Promise((r) => setTimeout(r, opts.intervalMs ?? 50))
    }
  }
}

/** Resolves once something on 127.0.0.1:`port` answers PING. */
export async function waitAnswers(port: number, opts: AnswerOptions = {}): Promise<void> {
  ;(await connectAnswering(port, opts)).disconnect()
}
