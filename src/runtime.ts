// The embedded runtime (src/node/api.ts), loaded on first use: `redis-ts node`, `redis-ts sentinel`
// and startNode() need it, nothing else in the CLI does. In the CLI's CommonJS bundle (src/cli/boot.ts)
// it is its own bundle, dist/src/node/api.bundle.cjs, through a V8 code cache like the CLI's (written
// 2 s after the first start that found none); elsewhere (the ES modules of dist/, the sources) a
// plain import. `npm run bundle` keeps ./node/api.js out of the CLI's bundle (--external).
import {createRequire} from 'node:module'
import {dirname, join} from 'node:path'
import {compileCached} from './code-cache.js'
import type * as Api from './node/api.js'

export type Runtime = typeof Api

let loading: Promise<Runtime> | undefined

export function runtime(): Promise<Runtime> {
  return (loading ??= typeof __filename === 'string' && __filename.endsWith('.cjs') ? Promise.resolve(fromBundle(join(dirname(__filename), '..', 'node', 'api.bundle.cjs'))) : import('./node/api.js'))
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
