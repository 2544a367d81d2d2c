// Pub/Sub hub: channel and pattern subscriptions of local sessions. PUBLISH delivers locally
// and hands the message to server.cluster.publish for the bus; messages arriving from the
// bus call deliver() directly.
import {globMatch} from './keyspace/glob.js'
import type {Session} from './session.js'

export class PubSubHub {
  readonly channels = new Map<string, Set<Session>>()
  readonly patterns = new Map<string, Set<Session>>()

  subscribe(s: Session, channel: string): boolean {
    if (s.channels.has(channel)) return false
    s.channels.add(channel)
    let set = this.channels.get(channel)
    if (!set) this.channels.set(channel, (set = new Set()))
    set.add(s)
    return true
  }

  unsubscribe(s: Session, channel: string): boolean {
    if (!s.channels.delete(channel)) return false
    const set = this.channels.get(channel)
    if (set) {
      set.delete(s)
      if (set.size === 0) this.channels.delete(channel)
    }
    return true
  }

  psubscribe(s: Session, pattern: string): boolean {
    if (s.patterns.has(pattern)) return false
    s.patterns.add(pattern)
    let set = this.patterns.get(pattern)
    if (!set) this.patterns.set(pattern, (set = new Set()))
    set.add(s)
    return true
  }

  punsubscribe(s: Session, pattern: string): boolean {
    if (!s.patterns.delete(pattern)) return false
    const set = this.patterns.get(pattern)
    if (set) {
      set.delete(s)
      if (set.size === 0) this.patterns.delete(pattern)
    }
    return true
  }

  /** Drop every subscription of a closing session. */
  removeSession(s: Session): void {
    for (const c of [...s.channels]) this.unsubscribe(s, c)
    for (const p of [...s.patterns]) this.punsubscribe(s, p)
  }

  /** Deliver to local subscribers; returns the number of receivers (PUBLISH's reply). */
  deliver(channel: string, message: string): number {
    let n = 0
    const subs = this.channels.get(channel)
    if (subs) {
      for (const s of subs) {
        const w = s.reply
        w.push(3)
        w.bulk('message')
        w.bulk(channel)
        w.bulk(message)
        s.flushSoon()
        n++
      }
    }
    if (this.patterns.size !== 0) {
      for (const [pattern, set] of this.patterns) {
        if (!globMatch(pattern, channel)) continue
        for (const s of set) {
          const w = s.reply
          w.push(4)
          w.bulk('pmessage')
          w.bulk(pattern)
          w.bulk(channel)
          w.bulk(message)
          s.flushSoon()
          n++
        }
      }
    }
    return n
  }
}
