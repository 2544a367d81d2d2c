// Blocking for real, for the command fuzzer (fuzz-commands.ts --block, --blockers N): now and then
// one of N more connections sends a blocking command with no timeout (BLPOP, BLMOVE, BZPOPMIN,
// BLMPOP, XREAD BLOCK, XREADGROUP BLOCK, …) to both servers. Either it answers at once (the same reply
// on both), or both hold it blocked; after every later command both must still agree on whether it is
// blocked (CLIENT LIST ID's `b` flag), and once a write serves it, on the reply it got. With several
// waiting, one write may serve some of them in their blocking order, and a BLMOVE it serves may serve
// another through its destination. One still waiting 150 commands later is released with CLIENT
// UNBLOCK (the timeout's reply compared), as at a flush or the run's end.
import {RawClient, type Reply} from './harness.js'

export class Blocker {
  private pending: Promise<Reply> | null = null
  private settled = false
  private reply: Reply = null
  private constructor(
    private readonly conn: RawClient,
    private readonly ctl: RawClient,
    private readonly id: string,
  ) {}

  static async start(port: number, resp: 2 | 3): Promise<Blocker> {
    const conn = await RawClient.connect(port)
    if (resp === 3) await conn.call(['HELLO', '3'])
    const id = String(await conn.call(['CLIENT', 'ID']))
    return new Blocker(conn, await RawClient.connect(port), id)
  }

  get waiting(): boolean {
    return this.pending !== null
  }

  /** A command that does not block (SELECT), while not waiting. */
  run(argv: string[]): Promise<Reply> {
    return this.conn.call(argv)
  }

  send(argv: string[]): void {
    this.settled = false
    this.pending = this.conn.call(argv).then((r) => {
      this.settled = true
      this.reply = r
      return r
    })
  }

  /** 'blocked', or the reply (taken: the blocker is free again). Waits up to 5 s for one or the other. */
  async state(): Promise<Reply | 'blocked'> {
    for (const deadline = Date.now() + 5000; Date.now() < deadline; ) {
      if (this.settled) {
        this.pending = null
        return this.reply
      }
      const flags = /flags=(\w+)/.exec(String(await this.ctl.call(['CLIENT', 'LIST', 'ID', this.id])))?.[1] ?? ''
      if (flags.includes('b') && !this.settled) return 'blocked'
      await new Promise((res) => setTimeout(res, 2))
    }
    throw new Error('a blocking command neither answered nor blocked within 5 s')
  }

  /** CLIENT UNBLOCK a waiting blocker: its reply (the timeout's), undefined when none was waiting. */
  async release(): Promise<Reply | undefined> {
    if (this.pending === null) return undefined
    const unblocked = await this.ctl.call(['CLIENT', 'UNBLOCK', this.id])
    const r = await this.pending
    this.pending = null
    return [unblocked, r]
  }

  close(): void {
    this.conn.close()
    this.ctl.close()
  }
}

/** One blocking connection on each server, and the command both wait on (null: free). */
export class BlockPair {
  argv: string[] | null = null
  /** the step it blocked at */
  at = 0
  /** the database its connections have selected */
  db = '0'
  private constructor(private readonly sides: [Blocker, Blocker]) {}

  static async start(ports: {real: number; ours: number}, resp: 2 | 3): Promise<BlockPair> {
    return new BlockPair(await Promise.all([Blocker.start(ports.real, resp), Blocker.start(ports.ours, resp)]))
  }

  /** SELECT `db` on both connections (between blocking commands). */
  async select(db: string): Promise<void> {
    if (db === this.db) return
    await Promise.all(this.sides.map((x) => x.run(['SELECT', db])))
    this.db = db
  }

  send(argv: string[], step: number): void {
    this.argv = argv
    this.at = step
    for (const b of this.sides) b.send(argv)
  }

  /** Undefined while both wait (or none does); else what each got, 'blocked' for one still waiting (then free again). */
  async state(): Promise<[Reply | 'blocked', Reply | 'blocked'] | undefined> {
    if (!this.argv) return undefined
    const [a, b] = await Promise.all(this.sides.map((x) => x.state()))
    if (a === 'blocked' && b === 'blocked') return undefined
    this.argv = null
    return [a, b]
  }

  /** CLIENT UNBLOCK both: the replies they got (null for one not waiting). */
  async release(): Promise<[Reply, Reply]> {
    this.argv = null
    const [a, b] = await Promise.all(this.sides.map((x) => x.release()))
    return [a ?? null, b ?? null]
  }

  close(): void {
    this.sides.forEach((b) => b.close())
  }
}
