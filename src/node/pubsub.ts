// Pub/Sub hub: channel, pattern and shard-channel subscriptions of local sessions (redis
// pubsub.c). PUBLISH / SPUBLISH deliver locally and hand the message to the cluster bus;
// messages arriving from the bus call deliver() / deliverShard() directly. Everything written
// here is push data: it gets through CLIENT REPLY OFF/SKIP (redis CLIENT_PUSHING).
import {globMatch} from './keyspace/glob.js'
import {keySlot} from './keyspace/slot.js'
import type {Session} from './session.js'

export class PubSubHub {
  readonly channels = new Map<string, Set<Session>>()
  readonly patterns = new Map<string, Set<Session>>()
  readonly shardChannels = new Map<string, Set<Session>>()

  subscribe(s: Session, channel: string): boolean {
    return add(this.channels, s.channels, s, channel)
  }
  unsubscribe(s: Session, channel: string): boolean {
    return remove(this.channels, s.channels, s, channel)
  }
  psubscribe(s: Session, pattern: string): boolean {
    return add(this.patterns, s.patterns, s, pattern)
  }
  punsubscribe(s: Session, pattern: string): boolean {
    return remove(this.patterns, s.patterns, s, pattern)
  }
  ssubscribe(s: Session, channel: string): boolean {
    return add(this.shardChannels, s.sharded, s, channel)
  }
  sunsubscribe(s: Session, channel: string): boolean {
    return remove(this.shardChannels, s.sharded, s, channel)
  }

  /** Drop every subscription of a closing session. */
  removeSession(s: Session): void {
    for (const c of [...s.channels]) this.unsubscribe(s, c)
    for (const p of [...s.patterns]) this.punsubscribe(s, p)
    for (const c of [...s.sharded]) this.sunsubscribe(s, c)
  }

  /** Deliver to local subscribers; returns the number of receivers (PUBLISH's reply). */
  deliver(channel: string, message: string): number {
    let n = 0
    const subs = this.channels.get(channel)
    if (subs) {
      for (const s of subs) {
        const w = s.reply
        const mark = w.size
        w.push(3)
        w.bulk('message')
        w.bulk(channel)
        w.bulk(message)
        s.keepPush(mark)
        s.flushSoon()
        n++
      }
    }
    if (this.patterns.size !== 0) {
      for (const [pattern, set] of this.patterns) {
        if (!globMatch(pattern, channel)) continue
        for (const s of set) {
          const w = s.reply
          const mark = w.size
          w.push(4)
          w.bulk('pmessage')
          w.bulk(pattern)
          w.bulk(channel)
          w.bulk(message)
          s.keepPush(mark)
          s.flushSoon()
          n++
        }
      }
    }
    return n
  }

  /** SPUBLISH's local delivery: shard channels only, no patterns. */
  deliverShard(channel: string, message: string): number {
    const subs = this.shardChannels.get(channel)
    if (!subs) return 0
    for (const s of subs) {
      const w = s.reply
      const mark = w.size
      w.push(3)
      w.bulk('smessage')
      w.bulk(channel)
      w.bulk(message)
      s.keepPush(mark)
      s.flushSoon()
    }
    return subs.size
  }

  /**
   * removeChannelsInSlot: my shard no longer serves `slot`; every client subscribed to a shard
   * channel of that slot is unsubscribed and told so (an `sunsubscribe` push per channel).
   */
  removeShardSlot(slot: number): void {
    if (this.shardChannels.size === 0) return
    for (const [channel, subs] of [...this.shardChannels]) {
      if (keySlot(channel) !== slot) continue
      for (const s of [...subs]) {
        this.sunsubscribe(s, channel)
        const mark = s.reply.size
        s.reply.push(3)
        s.reply.bulk('sunsubscribe')
        s.reply.bulk(channel)
        s.reply.integer(s.sharded.size)
        s.keepPush(mark)
        s.flushSoon()
      }
    }
  }
}

function add(index: Map<string, Set<Session>>, own: Set<string>, s: Session, name: string): boolean {
  if (own.has(name)) return false
  own.add(name)
  let set = index.get(name)
  if (!set) index.set(name, (set = new Set()))
  set.add(s)
  return true
}

function remove(index: Map<string, Set<Session>>, own: Set<string>, s: Session, name: string): boolean {
  if (!own.delete(name)) return false
  const set = index.get(name)
  if (set) {
    set.delete(s)
    if (set.size === 0) index.delete(name)
  }
  return true
}
