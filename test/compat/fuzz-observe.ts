// What a command does besides its reply, observed on one server for the command fuzzer
// (fuzz-commands.ts --notify / --repl / --stats / --track): the keyspace notifications it publishes
// (a subscriber connection on `__key*__:*`), what it propagates to replicas (a raw replica connection,
// test/helpers/repl-capture.ts), what it adds to INFO's counters, and the keys it signals as modified
// (a CLIENT TRACKING BCAST connection). Both are read per command, to a delimiter that adds nothing to
// the keyspace or the stream:
//   notifications: a PING on the subscriber connection after the command's reply (the events a
//     command publishes are queued on that connection before its reply is written, so they come
//     before the PING's answer);
//   replication: the master's own `master_repl_offset` (INFO replication) after the reply; the
//     stream is read until the replica connection has consumed that many bytes.
// The active expire cycle is switched off (DEBUG SET-ACTIVE-EXPIRE 0) so that a key expires only at
// a command's lookup, at the same step on both servers.
import {RawClient, type Reply} from './harness.js'
import {ReplCapture, type StreamCommand} from '../helpers/repl-capture.js'

export interface ObserveOptions {
  /** compare keyspace notifications (notify-keyspace-events KEAnm) */
  notify?: boolean
  /** compare the replication stream */
  repl?: boolean
  /** compare what each command adds to the INFO counters (keyspace hits/misses, expired keys, error
   *  replies, changes since the last save, and per command and per error code: calls, rejected and
   *  failed calls, errors) */
  stats?: boolean
  /** compare the invalidations a CLIENT TRACKING ON BCAST connection (RESP3) receives: every key a
   *  command signals as modified (what WATCH and client-side caching see) */
  track?: boolean
  /** block for real now and then, on this many more connections (true: one; fuzz-block.ts, run by fuzz-commands.ts itself) */
  block?: boolean | number
  /** compare the invalidations of keys the main connection read (CLIENT TRACKING ON REDIRECT to an
   *  observer connection: which commands remember the keys they read, and when those change) */
  trackReads?: boolean
  /** main connections sending the commands (fuzz-clients.ts: --clients N; 1 by default) */
  clients?: number
  /** CLIENT TRACKING in every mode, CLIENT CACHING, TRACKINGINFO, GETREDIR mixed in, the pushes
   *  and messages every connection receives compared (fuzz-clients.ts: --track-modes) */
  trackModes?: boolean
}

export interface Observed {
  /** `<channel> <event>` of each notification, in order */
  notes: string[]
  /** each propagated command as `[db<n>] arg arg …` (SELECT and PING left out: the db travels with each command) */
  repl: string[][]
  /** the INFO counters that changed, `name +delta`, sorted */
  stats: string[]
  /** each invalidation push: its keys (null for a flush of everything) */
  track: Reply[]
  /** the same for the keys the main connection read (--track-reads) */
  reads: Reply[]
}

// INFO fields compared by their change per command (times, memory and byte counts are the machine's)
const STAT_FIELDS = new Set(['keyspace_hits', 'keyspace_misses', 'expired_keys', 'evicted_keys', 'total_error_replies', 'total_commands_processed', 'rdb_changes_since_last_save'])

function counters(info: string): Map<string, number> {
  const out = new Map<string, number>()
  for (const line of info.split('\r\n')) {
    const i = line.indexOf(':')
    if (i < 0) continue
    const name = line.slice(0, i)
    const value = line.slice(i + 1)
    if (STAT_FIELDS.has(name)) out.set(name, Number(value))
    else if (name.startsWith('cmdstat_') || name.startsWith('errorstat_')) {
      for (const kv of value.split(',')) {
        const [k, v] = kv.split('=')
        if (k === 'calls' || k === 'rejected_calls' || k === 'failed_calls' || k === 'count') out.set(`${name}.${k}`, Number(v))
      }
    }
  }
  // the replica connection's REPLCONF ACK every second (--repl) is the clock's, not the command's
  const acks = out.get('cmdstat_replconf.calls')
  if (acks !== undefined) {
    out.set('total_commands_processed', (out.get('total_commands_processed') ?? 0) - acks)
    for (const k of [...out.keys()]) if (k.startsWith('cmdstat_replconf.')) out.delete(k)
  }
  return out
}

const isTimestamp = (s: string): boolean => /^\d{12,14}$/.test(s) && Math.abs(Number(s) - Date.now()) < 400 * 86400_000

export class Observer {
  private seen = 0
  private last: Map<string, number> | null = null
  private constructor(
    private readonly ctl: RawClient,
    private readonly sub: RawClient | null,
    private readonly cap: ReplCapture | null,
    private readonly stats: boolean,
    private readonly tracker: RawClient | null,
    private readonly reader: RawClient | null,
    /** CLIENT ID of the connection the main connection's invalidations are redirected to */
    readonly readerId: string | null,
  ) {}

  static async start(port: number, opts: ObserveOptions): Promise<Observer> {
    const ctl = await RawClient.connect(port)
    expectOk(await ctl.call(['DEBUG', 'SET-ACTIVE-EXPIRE', '0']), 'DEBUG SET-ACTIVE-EXPIRE 0')
    let sub: RawClient | null = null
    if (opts.notify) {
      expectOk(await ctl.call(['CONFIG', 'SET', 'notify-keyspace-events', 'KEAnm']), 'CONFIG SET notify-keyspace-events')
      sub = await RawClient.connect(port)
      await sub.call(['PSUBSCRIBE', '__key*__:*'])
    }
    let cap: ReplCapture | null = null
    if (opts.repl) {
      expectOk(await ctl.call(['CONFIG', 'SET', 'repl-diskless-sync-delay', '0']), 'CONFIG SET repl-diskless-sync-delay')
      cap = await ReplCapture.connect(port)
    }
    let tracker: RawClient | null = null
    if (opts.track) {
      tracker = await RawClient.connect(port)
      await tracker.call(['HELLO', '3'])
      expectOk(await tracker.call(['CLIENT', 'TRACKING', 'ON', 'BCAST']), 'CLIENT TRACKING ON BCAST')
    }
    let reader: RawClient | null = null
    let readerId: string | null = null
    if (opts.trackReads) {
      reader = await RawClient.connect(port)
      await reader.call(['HELLO', '3'])
      readerId = String(await reader.call(['CLIENT', 'ID']))
    }
    const o = new Observer(ctl, sub, cap, !!opts.stats, tracker, reader, readerId)
    await o.drain()
    return o
  }

  /** What happened since the last drain (notifications up to now, the stream up to the master's offset). */
  async drain(): Promise<Observed> {
    const notes: string[] = []
    if (this.sub) {
      for (let m = await this.sub.call(['PING']); ; m = await this.sub.read()) {
        if (Array.isArray(m) && m[0] === 'pong') break
        if (Array.isArray(m) && m[0] === 'pmessage') notes.push(`${m[2]} ${m[3]}`)
        else notes.push(`unexpected ${JSON.stringify(m)}`)
      }
    }
    const repl: string[][] = []
    if (this.cap) {
      const info = String(await this.ctl.call(['INFO', 'replication']))
      const offset = Number(/master_repl_offset:(\d+)/.exec(info)?.[1])
      if (!Number.isFinite(offset)) throw new Error('INFO replication has no master_repl_offset')
      const cap = this.cap
      await cap.waitFor(() => cap.offset >= offset, 5000, `the stream to reach offset ${offset} (at ${cap.offset})`)
      const cmds: StreamCommand[] = cap.commands.slice(this.seen)
      this.seen = cap.commands.length
      for (const c of cmds) {
        const name = c.argv[0].toLowerCase()
        if (name === 'select' || name === 'ping' || (name === 'replconf' && c.argv[1]?.toLowerCase() === 'getack')) continue
        // a RESTORE's payload of a hash table or quicklist lists them in the master's own order (as DUMP replies: fuzz-commands.ts)
        const argv = name === 'restore' && c.argv.length > 3 && [2, 4, 15, 18, 19].includes(c.argv[3].charCodeAt(0)) ? [...c.argv.slice(0, 3), `payload of type ${c.argv[3].charCodeAt(0)}`, ...c.argv.slice(4)] : c.argv
        repl.push([`db${c.db}`, ...argv])
      }
    }
    const stats: string[] = []
    if (this.stats) {
      const now = counters(String(await this.ctl.call(['INFO', 'stats', 'persistence', 'commandstats', 'errorstats'])))
      if (this.last) {
        for (const [k, v] of now) {
          const d = v - (this.last.get(k) ?? 0)
          if (d !== 0) stats.push(`${k} ${d > 0 ? '+' : ''}${d}`)
        }
        for (const k of this.last.keys()) if (!now.has(k)) stats.push(`${k} gone`)
        stats.sort()
      }
      this.last = now
    }
    // BCAST invalidations go out before the event loop sleeps, so before a later PING's answer
    const invalidations = async (c: RawClient | null): Promise<Reply[]> => {
      const out: Reply[] = []
      if (c === null) return out
      for (let m = await c.call(['PING']); m !== '+PONG'; m = await c.read()) {
        if (m && typeof m === 'object' && !Array.isArray(m) && 'push' in m && m.push[0] === 'invalidate') out.push(m.push[1])
        else out.push(`unexpected ${JSON.stringify(m)}`)
      }
      return out
    }
    return {notes, repl, stats, track: await invalidations(this.tracker), reads: await invalidations(this.reader)}
  }

  close(): void {
    this.ctl.close()
    this.sub?.close()
    this.cap?.close()
    this.tracker?.close()
    this.reader?.close()
  }
}

function expectOk(r: Reply, what: string): void {
  if (r !== '+OK') throw new Error(`${what}: ${JSON.stringify(r)}`)
}

/**
 * The two observations compared: notifications exactly, propagated commands exactly except absolute
 * times (a PEXPIREAT, SET … PXAT or XCLAIM … TIME computed from each server's clock a few ms apart:
 * equal within 2 s). Undefined when they agree, else which part differs.
 */
export function observedDiffer(a: Observed, b: Observed): 'notifications' | 'replication' | 'stats' | 'tracking' | 'reads' | undefined {
  if (JSON.stringify(a.notes) !== JSON.stringify(b.notes)) return 'notifications'
  if (JSON.stringify(a.track) !== JSON.stringify(b.track)) return 'tracking'
  if (JSON.stringify(a.reads) !== JSON.stringify(b.reads)) return 'reads'
  if (JSON.stringify(a.stats) !== JSON.stringify(b.stats)) return 'stats'
  const same = (x: string, y: string): boolean => x === y || (isTimestamp(x) && isTimestamp(y) && Math.abs(Number(x) - Number(y)) <= 2000)
  if (a.repl.length !== b.repl.length || a.repl.some((c, i) => c.length !== b.repl[i].length || c.some((x, j) => !same(x, b.repl[i][j])))) return 'replication'
  return undefined
}
