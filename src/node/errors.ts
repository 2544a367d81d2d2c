// Redis wording in one table (house rule 5). Texts are copied from redis 7.0.15 because
// clients match on them. Handlers either write ctx.reply.error(E.X) or throw ReplyError;
// the dispatcher turns a thrown ReplyError into an error reply (not logged) and any other
// exception into "-ERR ..." (logged).

export const E = {
  SYNTAX: 'ERR syntax error',
  WRONGTYPE: 'WRONGTYPE Operation against a key holding the wrong kind of value',
  NOT_INTEGER: 'ERR value is not an integer or out of range',
  NOT_FLOAT: 'ERR value is not a valid float',
  OVERFLOW: 'ERR increment or decrement would overflow',
  INCR_NAN: 'ERR increment would produce NaN or Infinity',
  NO_SUCH_KEY: 'ERR no such key',
  NOAUTH: 'NOAUTH Authentication required.',
  WRONGPASS: 'WRONGPASS invalid username-password pair or user is disabled.',
  AUTH_NOPASS:
    'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
  DB_INDEX: 'ERR DB index is out of range',
  SELECT_CLUSTER: 'ERR SELECT is not allowed in cluster mode',
  MULTI_NESTED: 'ERR MULTI calls can not be nested',
  EXEC_NO_MULTI: 'ERR EXEC without MULTI',
  DISCARD_NO_MULTI: 'ERR DISCARD without MULTI',
  WATCH_IN_MULTI: 'ERR WATCH inside MULTI is not allowed',
  EXECABORT: 'EXECABORT Transaction discarded because of previous errors.',
  OUT_OF_RANGE: 'ERR index out of range',
  STRING_TOO_LONG: 'ERR string exceeds maximum allowed size (proto-max-bulk-len)',
  OFFSET_RANGE: 'ERR offset is out of range',
  BUSYKEY: 'BUSYKEY Target key name already exists.',
  NOPROTO: 'NOPROTO unsupported protocol version',
  // RESTORE / MIGRATE (redis 7.0 cluster.c restoreCommand, migrateCommand)
  RESTORE_TTL: 'ERR Invalid TTL value, must be >= 0',
  RESTORE_IDLETIME: 'ERR Invalid IDLETIME value, must be >= 0',
  RESTORE_FREQ: 'ERR Invalid FREQ value, must be >= 0 and <= 255',
  MIGRATE_KEYS_ARG: 'ERR When using MIGRATE KEYS option, the key argument must be set to the empty string',
  /** Prefix; the target's error line (without '-') follows. */
  MIGRATE_TARGET: 'ERR Target instance replied with error: ',
  IOERR_CONNECT: 'IOERR error or timeout connecting to the client',
  IOERR_WRITE: 'IOERR error or timeout writing to target instance',
  IOERR_READ: 'IOERR error or timeout reading to target instance',
  BGSAVE_IN_PROGRESS: 'ERR Background save already in progress',
  MISCONF:
    "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.",
  SHUTDOWN_FAILED: 'ERR Errors trying to SHUTDOWN. Check logs.',
  LOADING: 'LOADING Redis is loading the dataset in memory',
  REPLICA_KEYSPACE: "ERR Replica can't interact with the keyspace",
} as const

/** The node cannot start (bad config, unloadable RDB/AOF): the message is printed and the process exits 2. */
/** The node cannot start: main prints the message and exits with exitCode (redis exit(1) where it has one). */
export class NodeStartError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message)
  }
}

/** Thrown by a shutdown hook when the node must not exit (redis: final save failed). */
export class ShutdownRefused extends Error {}

export class ReplyError extends Error {
  constructor(readonly reply: string) {
    super(reply)
  }
}

export function wrongArity(fullname: string): string {
  return `ERR wrong number of arguments for '${fullname}' command`
}

/** A string as C's %s prints it: up to its first NUL byte. */
export function cstr(s: string): string {
  const nul = s.indexOf('\0')
  return nul === -1 ? s : s.slice(0, nul)
}

/** redis server.c: args are quoted, concatenated until 128 chars, newlines sanitised (each %s stops at a NUL). */
export function unknownCommand(argv: string[]): string {
  let args = ''
  for (let i = 1; i < argv.length && args.length < 128; i++) args += `'${cstr(argv[i]).slice(0, 128 - args.length)}' `
  return sanitize(`ERR unknown command '${cstr(argv[0]).slice(0, 128)}', with args beginning with: ${args}`)
}

export function unknownSubcommand(sub: string, cmd: string): string {
  return sanitize(`ERR unknown subcommand '${cstr(sub).slice(0, 128)}'. Try ${cstr(cmd).toUpperCase()} HELP.`)
}

/** Error replies must be one line (addReplyErrorLength replaces \r and \n with spaces). */
export function sanitize(s: string): string {
  return s.includes('\r') || s.includes('\n') ? s.replace(/[\r\n]/g, ' ') : s
}

/** C strerror() text for a Node fs error (redis logs and replies quote it), else the message. */
export function strerror(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code
  const text = code === undefined ? undefined : ERRNO_TEXT[code]
  return text ?? (e as Error).message
}

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  EEXIST: 'File exists',
  ENOTDIR: 'Not a directory',
  EISDIR: 'Is a directory',
  ENOSPC: 'No space left on device',
  EROFS: 'Read-only file system',
  EIO: 'Input/output error',
  EPERM: 'Operation not permitted',
}

/**
 * redis serverAssert: an invariant of the data does not hold (e.g. a stream listpack loaded
 * without deep sanitization turns out to be corrupt when it is first read). The command
 * dispatcher reports it like Redis's bug report and the process stops (panic.ts).
 */
export class ServerAssertion extends Error {
  override name = 'ServerAssertion'
  constructor(
    /** where the invariant is checked: a file of this code base */
    readonly where: string,
    readonly expr: string,
    /** serverPanic(expr) rather than serverAssert(expr): "Guru Meditation: expr #where" */
    readonly panic = false,
    /** serverLogHexDump before the report: what the bytes are, and the bytes */
    readonly dump?: {descr: string; bytes: Buffer},
    /** lines logged before "=== ASSERTION FAILED ===" (serverAssertWithInfo's client and object context) */
    readonly context?: string[],
  ) {
    super(panic ? `${expr} #${where}` : `${where} '${expr}' is not true`)
  }
}
