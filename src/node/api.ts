// What the CLI and the public API take from the embedded runtime, as one module: built on its own as
// dist/src/node/api.bundle.cjs (the CLI's bundle stays free of the runtime's 2 MB; src/runtime.ts).
// The Sentinel is loaded on first use, as by the node's own entry (src/node/main.ts).
export {startNode} from './index.js'
export {runNodeForeground} from './run.js'
// The class its start-up errors have (the CLI's bundle has no copy of it to compare with).
export {NodeStartError} from './errors.js'
export const sentinel = () => import('./sentinel/index.js')
