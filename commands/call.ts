import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../src/cli/base-command.js'
import {ExitCode, NodePool, callAll, parseAddress} from '../src/index.js'
import {renderTable} from '../src/ui/table.js'

function show(v: unknown): string {
  if (v === null || v === undefined) return '(nil)'
  if (Array.isArray(v)) return v.map(show).join('\n')
  return String(v)
}

export default class Call extends BaseCommand<typeof Call> {
  static override summary = 'Run a command on every node of the cluster, in parallel'
  static override description = 'Exit code 6 when any node replied with an error or could not be reached (redis-cli exits 0).'
  static override strict = false
  static override examples = ['<%= config.bin %> call 127.0.0.1:7000 DBSIZE', '<%= config.bin %> call 127.0.0.1:7000 CONFIG GET maxmemory --only-masters']
  static override args = {
    node: Args.string({required: true, description: 'any node of the cluster (host:port)'}),
    command: Args.string({required: true, description: 'command and arguments'}),
  }
  static override flags = {
    'only-masters': Flags.boolean({aliases: ['cluster-only-masters'], exclusive: ['only-replicas'], description: 'Only masters'}),
    'only-replicas': Flags.boolean({aliases: ['cluster-only-replicas'], exclusive: ['only-masters'], description: 'Only replicas'}),
  }

  async run(): Promise<void> {
    const {argv} = await this.parse(Call)
    const argvStrings = (argv as string[]).slice(1)
    const pool = new NodePool(this.connectOptions())
    try {
      const only = this.flags['only-masters'] ? 'masters' : this.flags['only-replicas'] ? 'replicas' : undefined
      this.out.info(`Calling ${argvStrings.join(' ')}`)
      const results = await callAll(parseAddress(this.args.node), pool, argvStrings, only)
      this.out.line(
        renderTable(
          ['node', 'role', 'reply'],
          results.map((r) => [r.address, r.role, r.ok ? show(r.reply) : this.out.c.red(`(error) ${r.error}`)]),
          this.out.color,
        ),
      )
      const failed = results.filter((r) => !r.ok).length
      if (failed) this.out.err(`${failed} of ${results.length} node(s) failed.`)
      this.finish({command: argvStrings, results}, failed ? ExitCode.PARTIAL_FAILURE : ExitCode.OK)
    } finally {
      await pool.close()
    }
  }
}
