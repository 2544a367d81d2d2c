// Host name resolution for `resolve-hostnames yes` (sentinel.c createSentinelAddr / anetResolve).
// Redis resolves synchronously with getaddrinfo; Node can only do it asynchronously, so answers
// are cached: resolveCached() returns the last answer at once and refreshes it in the background,
// and a name never seen before is looked up (the caller retries, or awaits resolveHost()).
import {lookup} from 'node:dns'
import {isIP} from 'node:net'

interface Entry {
  /** resolved address; '' when the last lookup failed */
  ip: string
  at: number
  pending: boolean
}

const cache = new Map<string, Entry>()
/** A cached answer older than this is refreshed in the background when it is used. */
const REFRESH_MS = 1000

function refresh(name: string, e: Entry): Promise<string> {
  e.pending = true
  return new Promise((resolve) => {
    lookup(name, (err, address) => {
      e.pending = false
      e.at = Date.now()
      e.ip = err ? '' : address
      resolve(e.ip)
    })
  })
}

/**
 * The address of `host`: itself when it is an IP; the cached answer for a name (refreshed
 * when stale); undefined while a first lookup is under way; '' when the name did not resolve.
 */
export function resolveCached(host: string): string | undefined {
  if (isIP(host)) return host
  const name = host.toLowerCase()
  let e = cache.get(name)
  if (!e) {
    e = {ip: '', at: 0, pending: false}
    cache.set(name, e)
    void refresh(name, e)
    return undefined
  }
  if (!e.pending && Date.now() - e.at > REFRESH_MS) void refresh(name, e)
  return e.at === 0 ? undefined : e.ip
}

/** Resolve now (fresh lookup); '' when the name does not resolve. */
export function resolveHost(host: string): Promise<string> {
  if (isIP(host)) return Promise.resolve(host)
  const name = host.toLowerCase()
  let e = cache.get(name)
  if (!e) {
    e = {ip: '', at: 0, pending: false}
    cache.set(name, e)
  }
  return refresh(name, e)
}
