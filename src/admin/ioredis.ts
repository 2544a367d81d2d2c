// ioredis, evaluated on first use. Evaluating it (its command tables, the Node.js modules it pulls in)
// costs the CLI ~0.1 s of CPU before the first connection: `create` of a local cluster hands its warm
// nodes their configuration before that, so they start meanwhile (issue 10, ready time), and a command
// that fails on its flags never pays it. Modules that open connections take the classes from here and
// import ioredis's types only.
import type * as IORedis from 'ioredis'
import type {Redis, RedisOptions} from 'ioredis'

let loading: Promise<typeof IORedis> | undefined

export function ioredis(): Promise<typeof IORedis> {
  return (loading ??= import('ioredis'))
}

/**
 * A client for a short exchange: it connects on connect() (lazyConnect), never retries a command or
 * reconnects, and its errors surface only through connect() and the commands' promises.
 */
export async function lazyClient(options: RedisOptions): Promise<Redis> {
  const c = new (await ioredis()).Redis({lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, ...options})
  c.on('error', () => {})
  return c
}
