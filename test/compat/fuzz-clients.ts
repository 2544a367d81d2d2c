// More than one client, and CLIENT TRACKING in every mode, for the command fuzzer
// (fuzz-commands.ts --clients 2, --track-modes). Each main connection is a PushConn: its replies
// with the RESP3 pushes that came before them set aside (a client tracking in RESP3 without
// REDIRECT gets its invalidations on its own connection, between replies), to be compared per
// connection, in order, after every step. The redirect targets are connections of their own on each
// server: a RESP3 one (pushes), a RESP2 one subscribed to __redis__:invalidate (messages) and a
// RESP2 one not subscribed (nothing may reach it). Client ids differ between the servers, so the
// commands name them by tokens (`@r3`, `@c2` …) mapped per server, and replies that carry an id
// (CLIENT GETREDIR, TRACKINGINFO's redirect, HELLO's id, a `tracking-redir-broken` push) are
// mapped back to the token.
import {RawClient, type Reply} from './harness.js'

type Rng = () => number
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]

/** A connection whose pushes are kept aside, in arrival order, until taken. */
export class PushConn {
  pushes: Reply[] = []
  private constructor(
    readonly raw: RawClient,
    readonly id: string,
    /** id -> token on this server */
    readonly names: Map<string, string>,
  ) {}

  static async connect(port: number, names: Map<string, string>): Promise<PushConn> {
    const raw = await RawClient.connect(port)
    const id = String(await raw.call(['CLIENT', 'ID']))
    return new PushConn(raw, id, names)
  }

  /** The reply to `argv`; pushes read before it are kept (ids mapped to their tokens). */
  async call(argv: string[]): Promise<Reply> {
    const r = await this.raw.call(argv)
    return this.skip(r)
  }

  private async skip(first: Reply): Promise<Reply> {
    let r = first
    while (r && typeof r === 'object' && !Array.isArray(r) && 'push' in r) {
      this.pushes.push(this.mapPush(r.push))
      r = await this.raw.read()
    }
    return r
  }

  private mapPush(p: Reply[]): Reply {
    if (p[0] === 'tracking-redir-broken' && typeof p[1] === 'number') return {push: [p[0], this.names.get(String(p[1])) ?? 'unknown id']}
    return {push: p}
  }

  /**
   * Every push sent so far (and any extra reply): a command that touches nothing is answered after them (CLIENT ID
   * keeps a CLIENT CACHING flag for the next command, where PING would clear it). Not inside MULTI.
   */
  async sync(): Promise<Reply[]> {
    // (a reply before CLIENT ID's is a command's second one: redis 7.0's CLIENT TRACKING answers an
    // error and then +OK for prefixes that overlap each other past the first, tracking.c
    // checkPrefixCollisionsOrReply; kept in order as {extra: reply})
    for (let r = await this.call(['CLIENT', 'ID']); String(r) !== this.id; r = await this.skip(await this.raw.read())) this.pushes.push({extra: r} as unknown as Reply)
    return this.take()
  }

  take(): Reply[] {
    return this.pushes.splice(0)
  }

  close(): void {
    this.raw.close()
  }
}

/** A redirect target: what reaches it (invalidation pushes, or __redis__:invalidate messages). */
export class Reader {
  private constructor(
    private readonly raw: RawClient,
    readonly id: string,
    private readonly subscribed: boolean,
  ) {}

  static async connect(port: number, kind: 'resp3' | 'resp2-subscribed' | 'resp2'): Promise<Reader> {
    const raw = await RawClient.connect(port)
    if (kind === 'resp3') await raw.call(['HELLO', '3'])
    const id = String(await raw.call(['CLIENT', 'ID']))
    if (kind === 'resp2-subscribed') await raw.call(['SUBSCRIBE', '__redis__:invalidate'])
    return new Reader(raw, id, kind === 'resp2-subscribed')
  }

  /** What arrived since the last call, up to a PING's answer. */
  async sync(): Promise<Reply[]> {
    const out: Reply[] = []
    for (let m = await this.raw.call(['PING']); ; m = await this.raw.read()) {
      if (m === '+PONG' || (this.subscribed && Array.isArray(m) && m[0] === 'pong')) break
      out.push(m)
    }
    return out
  }

  close(): void {
    this.raw.close()
  }
}

/** The redirect targets, by token: a RESP3 connection, a RESP2 one subscribed to __redis__:invalidate, a RESP2 one not subscribed. */
const READERS = [['@r3', 'resp3'], ['@r2s', 'resp2-subscribed'], ['@r2', 'resp2']] as const
export const READER_TOKENS = READERS.map(([t]) => t)

/** One server's side of the clients: the main connections and the redirect targets, with their tokens. */
export class ClientSide {
  private constructor(
    readonly mains: PushConn[],
    readonly readers: Reader[],
    /** token -> id */
    readonly ids: Map<string, string>,
    /** id -> token */
    readonly names: Map<string, string>,
  ) {}

  static async start(port: number, clients: number, readers: boolean): Promise<ClientSide> {
    const names = new Map<string, string>()
    const ids = new Map<string, string>()
    const mains: PushConn[] = []
    for (let i = 0; i < clients; i++) mains.push(await PushConn.connect(port, names))
    mains.forEach((m, i) => ids.set(`@c${i + 1}`, m.id))
    const rs: Reader[] = []
    if (readers) {
      // a key expires at a command's lookup only, at the same step on both servers (an invalidation
      // from the active expire cycle would come whenever each server's clock has it; needs DEBUG)
      const r = await mains[0].call(['DEBUG', 'SET-ACTIVE-EXPIRE', '0'])
      if (r !== '+OK') throw new Error(`DEBUG SET-ACTIVE-EXPIRE 0: ${JSON.stringify(r)} (--track-modes needs enable-debug-command)`)
      for (const [token, kind] of READERS) {
        const r = await Reader.connect(port, kind)
        rs.push(r)
        ids.set(token, r.id)
      }
      // a client that has gone: redirecting to it is refused
      const gone = await RawClient.connect(port)
      ids.set('@gone', String(await gone.call(['CLIENT', 'ID'])))
      gone.close()
    }
    for (const [t, id] of ids) names.set(id, t)
    return new ClientSide(mains, rs, ids, names)
  }

  /** Another connection's id shown by a token (--track-reads' observer connection). */
  name(token: string, id: string): void {
    this.ids.set(token, id)
    this.names.set(id, token)
  }

  /** `argv` with the tokens replaced by this server's ids. */
  map(argv: string[]): string[] {
    return argv.map((a) => (a.startsWith('@') ? (this.ids.get(a) ?? a) : a))
  }

  /** A reply's client ids back to their tokens (CLIENT GETREDIR, CLIENT TRACKINGINFO, HELLO). */
  unmap(argv: string[], reply: Reply): Reply {
    const name = (x: Reply): Reply => (typeof x === 'number' && this.names.has(String(x)) ? this.names.get(String(x))! : x)
    const sub = `${argv[0]} ${argv[1] ?? ''}`.toLowerCase()
    if (sub === 'client getredir') return name(reply)
    const pairs = (xs: Reply[], key: string): Reply[] => xs.map((x, i) => (i % 2 === 1 && xs[i - 1] === key ? name(x) : x))
    const field = sub === 'client trackinginfo' ? 'redirect' : argv[0].toLowerCase() === 'hello' ? 'id' : null
    if (field === null) return reply
    if (Array.isArray(reply)) return pairs(reply, field)
    if (reply && typeof reply === 'object' && 'map' in reply) return {map: pairs(reply.map, field)}
    return reply
  }

  close(): void {
    this.mains.forEach((m) => m.close())
    this.readers.forEach((r) => r.close())
  }
}

const REDIRECTS = ['@r3', '@r3', '@r2s', '@r2s', '@r2', '@c1', '@c2', '@gone', '0', '-1', 'x', '99999999']
// overlapping ones among them ('s' and 's1', '' and all), ones no key starts with, one with a NUL byte
const PREFIXES = ['', 's', 's', 's1', 'S', 'l', 'l1', 'h', 'z', 'z2', 'x1', 'p', 'n', 'nokey', 'q', 's12', '{t}', '{t}s', 'a\x00b']

/** A CLIENT TRACKING / CACHING / TRACKINGINFO / GETREDIR command with random options (--track-modes). */
export function trackingCommand(r: Rng, clients: number): string[] {
  const y = r()
  const redirects = clients > 1 ? REDIRECTS : REDIRECTS.filter((t) => t !== '@c2')
  if (y < 0.55) {
    const groups: string[][] = []
    const mode = pick(r, ['default', 'bcast', 'bcast', 'optin', 'optin', 'optout', 'optout', 'mixed'])
    if (r() < 0.55) groups.push(['REDIRECT', pick(r, redirects)])
    if (mode === 'bcast' || (mode === 'mixed' && r() < 0.5)) {
      groups.push([pick(r, ['BCAST', 'BCAST', 'bcast'])])
      for (let n = Math.floor(r() * 4); n > 0; n--) groups.push(['PREFIX', pick(r, PREFIXES)])
    }
    if (mode === 'optin' || (mode === 'mixed' && r() < 0.5)) groups.push([pick(r, ['OPTIN', 'optin'])])
    if (mode === 'optout' || (mode === 'mixed' && r() < 0.5)) groups.push([pick(r, ['OPTOUT', 'optout'])])
    if (mode === 'mixed' && r() < 0.3) groups.push(['PREFIX', pick(r, PREFIXES)])
    if (r() < 0.3) groups.push(['NOLOOP'])
    if (r() < 0.04) groups.push([pick(r, ['BAD', 'REDIRECT', 'PREFIX'])]) // unknown, or an option missing its value
    if (r() < 0.03) groups.push(['REDIRECT', pick(r, redirects)]) // a second one
    for (let i = groups.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1))
      ;[groups[i], groups[j]] = [groups[j], groups[i]]
    }
    return ['CLIENT', 'TRACKING', pick(r, ['ON', 'ON', 'ON', 'ON', 'on', 'OFF', 'OFF', 'maybe']), ...groups.flat()]
  }
  if (y < 0.85) return ['CLIENT', 'CACHING', pick(r, ['yes', 'yes', 'YES', 'no', 'no', 'maybe']), ...(r() < 0.03 ? ['extra'] : [])]
  // (and CLIENT forms that keep CLIENT CACHING's flag for the next command or not: an arity error of
  // a subcommand keeps it, CLIENT alone or an unknown subcommand clears it)
  return pick(r, [['CLIENT', 'TRACKINGINFO'], ['CLIENT', 'TRACKINGINFO'], ['CLIENT', 'GETREDIR'], ['CLIENT', 'GETREDIR', 'x'], ['CLIENT', 'NOSUCH'], ['CLIENT'], ['CLIENT', 'CACHING']])
}
