// Injected time source. Everything that compares against "now" (key expiry, client idle
// times, cluster timers) takes a Clock so unit tests can drive time by hand.

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number
}

export const systemClock: Clock = {now: () => Date.now()}

export class ManualClock implements Clock {
  constructor(private t = 1_700_000_000_000) {}
  now(): number {
    return this.t
  }
  advance(ms: number): void {
    this.t += ms
  }
  set(ms: number): void {
    this.t = ms
  }
}

/**
 * The time key expiry compares against: the server's clock, except while a command runs, when it
 * stays at the time the outermost command started (redis keyIsExpired with server.mstime, cached by
 * call() when fixed_time_expire goes from 0 to 1, and by handleClientsBlockedOnKeys per ready key),
 * and while a script runs, when it stays at the script's start (scriptTimeSnapshot), so a key cannot
 * expire half way through a command, a transaction or a script: BLMOVE/LMOVE reopen a key, MGET
 * sees keys with one TTL alike, EXEC's queued commands share the EXEC's time (redis PR #6554).
 * freeze/thaw nest (a command inside EXEC or a script, a script yielding to other clients).
 */
export class ExpiryClock implements Clock {
  private frozen: number | null = null
  private depth = 0
  constructor(private readonly base: Clock) {}
  now(): number {
    return this.frozen ?? this.base.now()
  }
  freeze(): void {
    if (this.depth++ === 0) this.frozen = this.base.now()
  }
  thaw(): void {
    if (this.depth === 0) return
    if (--this.depth === 0) this.frozen = null
  }
  /** Run `fn` with the time frozen (synchronous work only: an await would keep it frozen). */
  frozenFor<T>(fn: () => T): T {
    this.freeze()
    try {
      return fn()
    } finally {
      this.thaw()
    }
  }
}
