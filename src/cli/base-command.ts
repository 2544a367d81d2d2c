// The base of every admin command: shared connection/output flags, colour rules, confirmation,
// one-line errors and the exit-code table (also under --json, where one document goes to stdout).
import {Command, Flags, type Interfaces} from '@oclif/core'
import {ExitCode, RedisTsError, errorMessage, exitCodeOf} from '../errors.js'
import type {ConnectOptions} from '../admin/connection.js'
import {colorWanted, Output} from '../ui/output.js'
import {canPrompt, promptConfirm} from '../ui/prompt.js'
import {describeParseError} from './errors.js'

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BaseCommand)['baseFlags'] & T['flags']>
export type BaseArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

function envTrue(name: string): boolean {
  const v = process.env[name]
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false' && v.toLowerCase() !== 'no'
}

export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override baseFlags = {
    password: Flags.string({char: 'a', aliases: ['pass'], description: 'Password (prefer env REDISCLI_AUTH or REDIS_TS_PASSWORD)', helpGroup: 'CONNECTION'}),
    user: Flags.string({description: 'ACL user name (AUTH user password)', helpGroup: 'CONNECTION'}),
    tls: Flags.boolean({description: 'Connect with TLS', helpGroup: 'CONNECTION'}),
    cacert: Flags.string({description: 'CA certificate file for TLS', helpGroup: 'CONNECTION'}),
    cert: Flags.string({description: 'Client certificate file for TLS', helpGroup: 'CONNECTION'}),
    key: Flags.string({description: 'Client private key file for TLS', helpGroup: 'CONNECTION'}),
    insecure: Flags.boolean({description: 'Skip TLS certificate verification', helpGroup: 'CONNECTION'}),
    sni: Flags.string({description: 'TLS server name indication', helpGroup: 'CONNECTION'}),
    'connect-timeout': Flags.integer({description: 'Connect timeout per node in ms', default: 3000, min: 1, helpGroup: 'CONNECTION'}),
    'command-timeout': Flags.integer({description: 'Reply timeout per command in ms, so a stuck node cannot hang the CLI (0 = none; MIGRATE waits get their own timeout plus 10 s)', default: 15000, min: 0, helpGroup: 'CONNECTION'}),
    json: Flags.boolean({description: 'Print one JSON document on stdout (logs go to stderr)', helpGroup: 'OUTPUT'}),
    color: Flags.boolean({description: 'Colour output (--no-color to disable; NO_COLOR is honoured)', allowNo: true, default: true, helpGroup: 'OUTPUT'}),
    yes: Flags.boolean({char: 'y', aliases: ['cluster-yes'], description: 'Answer yes to confirmations (env REDIS_TS_YES, REDISCLI_CLUSTER_YES)', helpGroup: 'OUTPUT'}),
  }

  protected flags!: BaseFlags<T>
  protected args!: BaseArgs<T>
  protected out!: Output
  private jsonMode = false

  public override async init(): Promise<void> {
    await super.init()
    this.jsonMode = this.argv.includes('--json')
    const {args, flags} = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (this.ctor as typeof BaseCommand).baseFlags,
      args: this.ctor.args,
      strict: this.ctor.strict,
    })
    this.flags = flags as BaseFlags<T>
    this.args = args as BaseArgs<T>
    this.jsonMode = Boolean(this.flags.json)
    // --env (create, local status) prints KEY=value lines on stdout: the report steps aside like --json.
    const machine = this.jsonMode || (this.flags as {env?: boolean}).env === true
    const stream = machine ? process.stderr : process.stdout
    this.out = new Output({json: machine, color: colorWanted(this.flags.color, machine, stream)})
    if (this.flags.password !== undefined) {
      process.stderr.write('Warning: Using a password with \'-a\' or \'--password\' on the command line may not be safe; use REDISCLI_AUTH.\n')
    }
  }

  /** Connection options from the shared flags; commands that MIGRATE pass their MIGRATE timeout. */
  protected connectOptions(opts: {migrateTimeoutMs?: number} = {}): ConnectOptions {
    const f = this.flags
    const ct = f['command-timeout']
    const password = f.password ?? process.env.REDISCLI_AUTH ?? process.env.REDIS_TS_PASSWORD
    return {
      ...(password !== undefined ? {password} : {}),
      ...(f.user ? {user: f.user} : {}),
      ...(f.tls ? {tls: {enabled: true, cacert: f.cacert, cert: f.cert, key: f.key, insecure: f.insecure, sni: f.sni}} : {}),
      connectTimeoutMs: f['connect-timeout'],
      ...(ct > 0 ? {commandTimeoutMs: ct} : {}),
      ...(ct > 0 && opts.migrateTimeoutMs !== undefined ? {migrateCommandTimeoutMs: Math.max(ct, opts.migrateTimeoutMs + 10000)} : {}),
    }
  }

  protected yes(): boolean {
    return Boolean(this.flags.yes) || envTrue('REDIS_TS_YES') || envTrue('REDISCLI_CLUSTER_YES')
  }

  /** Ask for confirmation, or accept --yes; with no TTY and no --yes fail with a hint instead of hanging. */
  protected async confirm(message: string): Promise<void> {
    if (this.yes()) return
    if (!canPrompt(this.jsonMode)) {
      throw new RedisTsError('confirmation', `Confirmation required: ${message}`, {hint: 'Re-run with --yes (or REDIS_TS_YES=1) to proceed without a prompt.'})
    }
    const ok = await promptConfirm(message, false)
    if (!ok) throw new RedisTsError('confirmation', 'Aborted: not confirmed')
  }

  protected get json(): boolean {
    return this.jsonMode
  }

  /** Emit the final JSON document (under --json) and set the exit code. */
  protected finish(result: unknown, exitCode: number = ExitCode.OK, warnings: string[] = []): void {
    if (this.jsonMode) {
      process.stdout.write(JSON.stringify({command: this.id, ok: exitCode === 0, exitCode, result, warnings}, null, 2) + '\n')
    }
    process.exitCode = exitCode
  }

  public override async catch(err: Error & {oclif?: {exit?: number}; code?: string}): Promise<void> {
    // oclif's own exit (this.exit) carries its code and no message worth printing.
    if (err.code === 'EEXIT') {
      process.exitCode = err.oclif?.exit ?? 0
      return
    }
    const code = exitCodeOf(err)
    const parsed = err instanceof RedisTsError ? {message: errorMessage(err).split('\n')[0]} : describeParseError(errorMessage(err), {id: this.id, args: this.ctor.args}, this.config.bin)
    const message = parsed.message
    const hint = err instanceof RedisTsError ? err.hint : parsed.hint
    if (this.jsonMode) {
      const kind = err instanceof RedisTsError ? err.kind : err.oclif ? 'usage' : 'internal'
      const details = err instanceof RedisTsError ? err.details : undefined
      process.stdout.write(JSON.stringify({command: this.id, ok: false, exitCode: code, error: {kind, message, ...(hint ? {hint} : {}), ...(details === undefined ? {} : {details})}}, null, 2) + '\n')
    } else {
      process.stderr.write(`Error: ${message}\n`)
      if (hint) process.stderr.write(`Hint: ${hint}\n`)
      if (code === ExitCode.UNEXPECTED && process.env.DEBUG && err.stack) process.stderr.write(err.stack + '\n')
    }
    process.exitCode = code
  }
}
