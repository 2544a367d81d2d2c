// The embedded runtime (src/node/api.ts), loaded on first use: `redis-ts node`, `redis-ts sentinel`
// and startNode() need it, nothing else in the CLI does. In the CLI's CommonJS bundle (src/cli/boot.ts)
// it is its own bundle, dist/src/node/api.bundle.cjs, through a V8 code cache like the CLI's (written
// 2 s after the first start that found none); elsewhere (the ES modules of dist/, the sources) a
// plain import. `npm run bundle` keeps ./node/api.js out of the CLI's bundle (--external).
import {existsSync} from 'node:fs'
import {createRequire} from 'node:module'
import {dirname, join} from 'node:path'
import {compileCached} from './code-cache.js'
import type * as Api from './node/api.js'

export type Runtime = typeof Api

let loading: Promise<Runtime> | undefined

export function runtime(): Promise<Runtime> {
  // __filename: only in CommonJS (the CLI's bundle, dist/src/cli/bundle.cjs, or someone else's bundle
  // of this module, which has no api.bundle.cjs next to it and bundled ./node/api.js itself).
  const file = typeof __filename === 'string' ? join(dirname(__filename), '..', 'node', 'api.bundle.cjs') : undefined
  return (loading ??= file !== undefined && existsSync(file) ? Promise.resolve(fromBundle(file)) : import('./node/api.js'))
}

function fromBundle(file: string): Runtime {
  try {
    const bundle = compileCached(file)
    const api = bundle.run() as Runtime
    if (!bundle.accepted) setTimeout(() => bundle.save(), 2000).unref()
    return api
  } catch {
    return createRequire(file)(file) as Runtime
  }
}
