import {Args} from '@oclif/core'
import {BaseCommand} from '../src/cli/base-command.js'
import {ExitCode, NodePool, parseAddress, setNodeTimeout, usageError} from '../src/index.js'

export default class SetTimeout extends BaseCommand<typeof SetTimeout> {
  static override summary = 'Set cluster-node-timeout on every node (CONFIG SET + CONFIG REWRITE)'
  static override description = 'Refuses values below 100 ms. A node where CONFIG SET worked but CONFIG REWRITE failed (no config file) is reported as "applied, not persisted" (a warning, exit 0). Exit code 6 when CONFIG SET failed on any node.'
  static override examples = ['<%= config.bin %> set-timeout 127.0.0.1:7000 5000']
  static override args = {
    node: Args.string({required: true, description: 'any node of the cluster (host:port)'}),
    milliseconds: Args.string({required: true, description: 'new cluster-node-timeout in ms (>= 100)'}),
  }

  async run(): Promise<void> {
    const text = this.args.milliseconds
    if (!/^\d+$/.test(text)) throw usageError(`Invalid timeout "${text}": expected an integer number of milliseconds`)
    const ms = Number(text)
    if (ms < 100) throw usageError('Setting a node timeout of less than 100 milliseconds is a bad idea.')
    const pool = new NodePool(this.connectOptions())
    try {
      const results = await setNodeTimeout(parseAddress(this.args.node), pool, ms)
      const warnings: string[] = []
      for (const r of results) {
        if (r.ok && r.persisted !== false) this.out.warn(`New timeout set for ${r.address}`)
        else if (r.ok) {
          warnings.push(`${r.address}: applied, not persisted (CONFIG REWRITE: ${r.error}); it reverts when the node restarts`)
          this.out.warning(warnings[warnings.length - 1])
        } else this.out.err(`setting node-timeout for ${r.address}: ${r.error}`)
      }
      const failed = results.filter((r) => !r.ok).length
      const notSaved = results.filter((r) => r.ok && r.persisted === false).length
      this.out.info(`New node timeout set. ${results.length - failed} OK${notSaved ? ` (${notSaved} applied, not persisted)` : ''}, ${failed} ERR.`)
      this.finish({timeoutMs: ms, results}, failed ? ExitCode.PARTIAL_FAILURE : ExitCode.OK, warnings)
    } finally {
      await pool.close()
    }
  }
}
