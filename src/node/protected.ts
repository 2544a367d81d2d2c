// redis's protected actions (7.0 enable-debug-command, enable-module-command,
// enable-protected-configs): allowProtectedAction, and processCommand's gate for the commands
// flagged PROTECTED (DEBUG, MODULE LOAD/LOADEX/UNLOAD).
import type {CommandSpec} from './commands/types.js'
import type {Session} from './session.js'

/** redis allowProtectedAction: `yes`, or `local` and a loopback / unix-socket client (islocalClient). */
export function allowProtectedAction(s: Session, setting: string): boolean {
  const mode = s.server.config.get(setting)
  if (mode === 'yes') return true
  if (mode !== 'local') return false
  return isLocalPeer(s.socket?.remoteAddress)
}

/**
 * redis processCommand, right after the arity check (before authentication, ACLs and MULTI
 * queueing): a protected command the setting does not allow is rejected, so inside MULTI the
 * transaction is flagged and EXEC answers EXECABORT. The error, or null when allowed.
 */
export function protectedCommandError(s: Session, spec: CommandSpec): string | null {
  const debug = spec.name === 'debug'
  const setting = debug ? 'enable-debug-command' : 'enable-module-command'
  if (allowProtectedAction(s, setting)) return null
  return `ERR ${debug ? 'DEBUG' : 'MODULE'} command not allowed. If the ${setting} option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.`
}

/**
 * redis islocalClient: a unix-socket (or in-process) client, or a TCP peer at exactly 127.0.0.1 or
 * ::1 — another loopback address such as 127.0.0.2 is not local (protected mode, the `local` value
 * of enable-debug-command / enable-module-command / enable-protected-configs). A v4 peer on a
 * dual-stack socket is the 127.0.0.1 redis sees on its own IPv4 socket.
 */
export function isLocalPeer(addr: string | undefined): boolean {
  if (!addr) return true
  return addr === '127.0.0.1' || addr === '::1' || addr === '::ffff:127.0.0.1'
}
