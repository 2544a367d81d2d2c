// redlock 5's package.json "exports" hides its own typings from TypeScript's resolver; the
// part of its API the tests use.
declare module 'redlock' {
  export class Lock {
    readonly value: string
    extend(duration: number): Promise<Lock>
    release(): Promise<unknown>
  }
  export class ExecutionError extends Error {}
  export default class Redlock {
    constructor(clients: unknown[], settings?: {retryCount?: number; retryDelay?: number; driftFactor?: number})
    acquire(resources: string[], duration: number): Promise<Lock>
  }
}
