// A command's key arguments from its table entry (first/last/step or a key-spec function): used by
// the dispatcher (cluster routing, ACL, tracking) and by the MIGRATE key hold (pause.ts), which must
// not import the dispatcher.
import type {CommandSpec} from './commands/types.js'

/** The key strings of a command; allocation-light for the common single-key case. */
export function keysOf(spec: CommandSpec, argv: string[]): string[] {
  if (spec.keys !== undefined) return spec.keys(argv).map((i) => argv[i])
  const first = spec.firstKey
  if (first <= 0) return []
  const last = spec.lastKey < 0 ? argv.length + spec.lastKey : spec.lastKey
  if (first === last) return first < argv.length ? [argv[first]] : []
  const step = spec.step || 1
  const out: string[] = []
  for (let i = first; i <= last && i < argv.length; i += step) out.push(argv[i])
  return out
}

export function hasKeys(spec: CommandSpec): boolean {
  return spec.firstKey > 0 || spec.keys !== undefined
}

