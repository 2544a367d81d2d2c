// Human output in redis-cli's familiar style (>>> / *** / [OK] / [WARNING] / [ERR]) with colour rules:
// colour only on a TTY, never under --json, --no-color or NO_COLOR (chalk ignores NO_COLOR on its own).
// Under --json (and --env) stdout holds the machine output only and stderr carries progress (>>>)
// and warnings (***, [WARNING]) only: the human report is left out, it is all in the document.
import {Chalk, type ChalkInstance} from 'chalk'

export interface OutputOptions {
  json: boolean
  color: boolean
  /** stream for the human report (stdout normally; stderr under --json) */
  stream?: NodeJS.WritableStream
  quiet?: boolean
}

export function colorWanted(flag: boolean | undefined, json: boolean, stream: {isTTY?: boolean}): boolean {
  if (json || flag === false) return false
  const env = process.env
  if ('NO_COLOR' in env && !env.FORCE_COLOR) return false
  if (env.FORCE_COLOR && env.FORCE_COLOR !== '0') return true
  if (env.TERM === 'dumb') return false
  return Boolean(stream.isTTY)
}

export class Output {
  readonly c: ChalkInstance
  readonly json: boolean
  readonly color: boolean
  private readonly stream: NodeJS.WritableStream
  private readonly quiet: boolean

  constructor(opts: OutputOptions) {
    this.json = opts.json
    this.color = opts.color
    this.c = new Chalk({level: opts.color ? 1 : 0})
    this.stream = opts.stream ?? (opts.json ? process.stderr : process.stdout)
    this.quiet = opts.quiet ?? false
  }

  private write(text: string): void {
    if (this.quiet) return
    this.stream.write(text + '\n')
  }

  /** A line of the human report (left out in machine mode). */
  line(text = ''): void {
    if (!this.json) this.write(text)
  }

  /** Progress (`>>>`): kept on stderr in machine mode. */
  info(text: string): void {
    this.write(this.c.bold(`>>> ${text}`))
  }

  warn(text: string): void {
    this.write(this.c.yellow(`*** ${text}`))
  }

  warning(text: string): void {
    this.write(this.c.red(`[WARNING] ${text}`))
  }

  err(text: string): void {
    this.line(this.c.red(`[ERR] ${text}`))
  }

  ok(text: string): void {
    this.line(this.c.green(`[OK] ${text}`))
  }

  /** Diagnostics that are never part of the report: always stderr. */
  diag(text: string): void {
    process.stderr.write(text + '\n')
  }
}
