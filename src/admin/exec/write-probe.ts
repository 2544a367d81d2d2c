// A write probe for failovers: one client writing an increasing counter to a key of a given slot
// every few ms, following MOVED, falling back to the other candidate address when a node cannot be
// reached, and recording when each write was acknowledged. The longest gap between acknowledged
// writes (or from the start to the first one) is the write pause clients saw. Afterwards the last
// acknowledged value is read back from whoever serves the slot: a lower value is a lost write.
import type {Redis} from 'ioredis'
import calculateSlot from 'cluster-key-slot'
import {formatAddress, parseAddress, type NodeAddress} from '../address.js'
import {closeQuietly, connectNode, type ConnectOptions} from '../connection.js'

export interface ProbeResult {
  key: string
  slot: number
  writes: number
  errors: number
  /** longest time without an acknowledged write, ms */
  maxGapMs: number
  /** the last value a write of ours was acknowledged with */
  lastAcked: number
  /** what the slot's owner returns at the end (null: unreadable) */
  readBack: number | null
  /** an acknowledged write is missing */
  lost: boolean
  /** where the last acknowledged write went */
  servedBy: string | null
}

/** A key whose hash slot is one of `slots` (the probe writes only there). */
export function probeKey(slots: [number, number][], prefix = 'redis-ts:failover-probe:'): {key: string; slot: number} {
  const owned = (s: number) => slots.some(([a, b]) => s >= a && s <= b)
  for (let i = 0; i < 1_000_000; i++) {
    const key = `${prefix}${i}`
    const slot = calculateSlot(key)
    if (owned(slot)) return {key, slot}
  }
  throw new Error('no probe key found for the slots')
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export class WriteProbe {
  private readonly clients = new Map<string, Promise<Redis>>()
  private running = false
  private loop: Promise<void> | undefined
  private target: string
  private seq = 0
  private lastAckAt = 0
  private startAt = 0
  private writes = 0
  private errors = 0
  private maxGap = 0
  private lastAcked = 0
  private servedBy: string | null = null
  /** acknowledged writes since markEpoch() */
  acksSinceMark = 0

  constructor(
    private readonly candidates: NodeAddress[],
    private readonly key: string,
    private readonly slot: number,
    private readonly opts: ConnectOptions,
    private readonly intervalMs = 5,
  ) {
    this.target = formatAddress(candidates[0])
  }

  private client(addr: string): Promise<Redis> {
    let p = this.clients.get(addr)
    if (!p) {
      p = connectNode(parseAddress(addr), {...this.opts, connectTimeoutMs: 500, commandTimeoutMs: 5000})
      p.catch(() => this.clients.delete(addr))
      this.clients.set(addr, p)
    }
    return p
  }

  private forget(addr: string): void {
    const p = this.clients.get(addr)
    this.clients.delete(addr)
    p?.then(closeQuietly, () => {})
  }

  start(): void {
    this.running = true
    this.startAt = this.lastAckAt = Date.now()
    this.loop = this.run()
  }

  markEpoch(): void {
    this.acksSinceMark = 0
  }

  private async run(): Promise<void> {
    let alt = 0
    while (this.running) {
      const value = this.seq + 1
      const addr = this.target
      try {
        const c = await this.client(addr)
        await c.set(this.key, String(value))
        const now = Date.now()
        this.maxGap = Math.max(this.maxGap, now - this.lastAckAt)
        this.lastAckAt = now
        this.seq = value
        this.lastAcked = value
        this.servedBy = addr
        this.writes++
        this.acksSinceMark++
      } catch (err) {
        this.errors++
        const msg = (err as Error).message
        const moved = /^(MOVED|ASK) \d+ (\S+)/.exec(msg)
        if (moved) this.target = moved[2]
        else {
          // Unreachable, CLUSTERDOWN, TRYAGAIN, a timeout: try the other candidate next.
          if (!/CLUSTERDOWN|TRYAGAIN|READONLY|LOADING|MASTERDOWN/.test(msg)) this.forget(addr)
          alt = (alt + 1) % this.candidates.length
          this.target = formatAddress(this.candidates[alt])
          await sleep(this.intervalMs)
        }
        continue
      }
      await sleep(this.intervalMs)
    }
  }

  /** Stop writing, read the key back from whoever serves the slot, close the connections. */
  async stop(): Promise<ProbeResult> {
    this.running = false
    await this.loop
    // The stretch since the last acknowledged write counts too: a write still held (or failing)
    // when we stop is part of the pause, not a gap that never happened.
    this.maxGap = Math.max(this.maxGap, Date.now() - this.lastAckAt)
    let readBack: number | null = null
    let addr = this.servedBy ?? this.target
    for (let i = 0; i < 3 && readBack === null; i++) {
      try {
        const c = await this.client(addr)
        const v = await c.get(this.key)
        readBack = v === null ? 0 : Number(v)
      } catch (err) {
        const moved = /^(MOVED|ASK) \d+ (\S+)/.exec((err as Error).message)
        if (moved) addr = moved[2]
        else break
      }
    }
    // Leave no probe key behind.
    if (readBack !== null) await this.client(addr).then((c) => c.del(this.key), () => 0).catch(() => 0)
    await Promise.all([...this.clients.values()].map((p) => p.then(closeQuietly, () => {})))
    this.clients.clear()
    return {
      key: this.key,
      slot: this.slot,
      writes: this.writes,
      errors: this.errors,
      maxGapMs: this.maxGap,
      lastAcked: this.lastAcked,
      readBack,
      lost: readBack !== null && readBack < this.lastAcked,
      servedBy: this.servedBy,
    }
  }
}
