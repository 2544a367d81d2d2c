// Script flags (the shebang's flags=…, redis SCRIPT_FLAG_*): a leaf module, so the dispatcher's
// neighbours (the MIGRATE key hold in pause.ts) can read them without importing the script runner.

export const FLAG_NO_WRITES = 1
export const FLAG_ALLOW_OOM = 2
export const FLAG_ALLOW_STALE = 4
export const FLAG_NO_CLUSTER = 8
export const FLAG_ALLOW_CROSS_SLOT = 16
/** EVAL without a shebang: pre-7.0 semantics (the command's own flags decide). */
export const FLAG_EVAL_COMPAT = 32

export const SCRIPT_FLAG_NAMES: [string, number][] = [
  ['no-writes', FLAG_NO_WRITES],
  ['allow-oom', FLAG_ALLOW_OOM],
  ['allow-stale', FLAG_ALLOW_STALE],
  ['no-cluster', FLAG_NO_CLUSTER],
  ['allow-cross-slot-keys', FLAG_ALLOW_CROSS_SLOT],
]
