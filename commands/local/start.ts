import {Flags} from '@oclif/core'
import {BaseCommand} from '../../src/cli/base-command.js'
import {clusterFlags, clusterRef} from '../../src/cli/local-flags.js'
import {startCluster} from '../../src/local/lifecycle.js'

export default class LocalStart extends BaseCommand<typeof LocalStart> {
  static override summary = 'Start a stopped local cluster or Sentinel setup again: same ports, same node ids, and its data when persistence is on'
  static override examples = ['<%= config.bin %> local start', '<%= config.bin %> local start --name ci']
  static override flags = {
    ...clusterFlags,
    timeout: Flags.integer({default: 60, min: 1, description: 'seconds to wait for every node to answer and report cluster_state:ok'}),
  }

  async run(): Promise<void> {
    this.out.info(`Starting "${this.flags.dir ?? this.flags.name}"`)
    const r = await startCluster(clusterRef(this.flags), {timeoutMs: this.flags.timeout * 1000})
    const ports = r.state.nodes.map((n) => n.port).join(', ')
    if (r.started === 0) this.out.ok(`All ${r.alreadyRunning} node(s) of "${r.state.name}" were already running (ports ${ports}).`)
    else this.out.ok(`Started ${r.started} node(s)${r.alreadyRunning ? ` (${r.alreadyRunning} already running)` : ''} of "${r.state.name}" on ports ${ports}: ${r.state.kind === 'sentinel' ? 'replicas synced and every Sentinel knows them' : 'cluster_state:ok'} in ${(r.elapsedMs / 1000).toFixed(2)}s.`)
    this.finish({name: r.state.name, dir: r.state.dir, started: r.started, alreadyRunning: r.alreadyRunning, nodes: r.state.nodes.map((n) => ({port: n.port, id: n.id, pid: n.pid})), elapsedMs: r.elapsedMs})
  }
}
