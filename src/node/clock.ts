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
 * The time key expiry compares against: the server's clock, except while a script runs, when it
 * stays at the script's start (redis keyIsExpired with scriptTimeSnapshot), so a key cannot
 * expire half way through a script.
 */
export class ExpiryClock implements Clock {
  private frozen: number | null = null
  constructor(private readonly base: Clock) {}
  now(): number {
    return this.frozen ?? this.base.now()
  }
  freeze(): void {
    this.frozen = this.base.now()
  }
  thaw(): void {
    this.frozen = null
  }
}
