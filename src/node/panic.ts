// redis _serverAssert / _serverPanic / bugReportStart / bugReportEnd: a failed assertion is logged as
// Redis's bug report ("=== ASSERTION FAILED ===", "==> where 'expr' is not true"; a panic's
// "Guru Meditation: msg #where") and the node stops: the
// process runner exits 1 under use-exit-on-panic, otherwise it aborts, as redis-server does.
import type {ServerAssertion} from './errors.js'
import type {Logger} from './log.js'

export function logAssertion(log: Logger, e: ServerAssertion): void {
  if (e.dump) {
    // serverLogHexDump: 32 bytes a line
    log.warning(`${e.dump.descr} (hexdump of ${e.dump.bytes.length} bytes):`)
    const hex = e.dump.bytes.toString('hex')
    for (let i = 0; i < hex.length; i += 64) log.raw('warning', hex.slice(i, i + 64))
    log.raw('warning', '\n')
  }
  log.raw('warning', '\n\n=== REDIS BUG REPORT START: Cut & paste starting from here ===')
  if (e.panic) {
    log.warning('------------------------------------------------')
    log.warning('!!! Software Failure. Press left mouse button to continue')
    log.warning(`Guru Meditation: ${e.message}`)
  } else {
    log.warning('=== ASSERTION FAILED ===')
    log.warning(`==> ${e.message}`)
  }
  log.raw('warning', '\n=== REDIS BUG REPORT END. Make sure to include from START to END. ===\n')
}
