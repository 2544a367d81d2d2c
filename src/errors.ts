// Typed errors and the one table that maps them to process exit codes.
// Commands throw these; the base command turns them into one clear line and an exit code.

export const ExitCode = {
  OK: 0,
  UNEXPECTED: 1,
  USAGE: 2,
  CLUSTER_PROBLEMS: 3,
  UNREACHABLE: 4,
  CONFIRMATION: 5,
  PARTIAL_FAILURE: 6,
  TIMEOUT: 7,
  CONFLICT: 8,
  INTERRUPTED: 130,
} as const
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode]

export type ErrorKind =
  | 'usage'
  | 'invalid-node'
  | 'unreachable'
  | 'confirmation'
  | 'cluster-problems'
  | 'partial-failure'
  | 'timeout'
  | 'conflict'
  | 'interrupted'
  | 'internal'

const EXIT_BY_KIND: Record<ErrorKind, ExitCodeValue> = {
  usage: ExitCode.USAGE,
  'invalid-node': ExitCode.USAGE,
  unreachable: ExitCode.UNREACHABLE,
  confirmation: ExitCode.CONFIRMATION,
  'cluster-problems': ExitCode.CLUSTER_PROBLEMS,
  'partial-failure': ExitCode.PARTIAL_FAILURE,
  timeout: ExitCode.TIMEOUT,
  conflict: ExitCode.CONFLICT,
  interrupted: ExitCode.INTERRUPTED,
  internal: ExitCode.UNEXPECTED,
}

export class RedisTsError extends Error {
  readonly kind: ErrorKind
  readonly hint?: string
  readonly details?: unknown
  constructor(kind: ErrorKind, message: string, opts: {hint?: string; details?: unknown; cause?: unknown} = {}) {
    super(message, opts.cause === undefined ? undefined : {cause: opts.cause})
    this.name = 'RedisTsError'
    this.kind = kind
    this.hint = opts.hint
    this.details = opts.details
  }

  get exitCode(): ExitCodeValue {
    return EXIT_BY_KIND[this.kind]
  }
}

export function usageError(message: string, hint?: string): RedisTsError {
  return new RedisTsError('usage', message, {hint})
}

export function exitCodeOf(err: unknown): number {
  if (err instanceof RedisTsError) return err.exitCode
  const oclif = (err as {oclif?: {exit?: number}} | undefined)?.oclif
  if (oclif && typeof oclif.exit === 'number') return oclif.exit
  return ExitCode.UNEXPECTED
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message
  return String(err)
}
