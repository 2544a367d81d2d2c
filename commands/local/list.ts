import {BaseCommand} from '../../src/cli/base-command.js'
import {listLocalClusters} from '../../src/local/cluster.js'
import {renderTable} from '../../src/ui/table.js'

export default class LocalList extends BaseCommand<typeof LocalList> {
  static override summary = 'List local clusters and Sentinel setups, how many of their nodes run and which are down'

  async run(): Promise<void> {
    const all = listLocalClusters()
    this.out.line(
      renderTable(
        ['name', 'kind', 'running', 'down', 'ports', 'server', 'dir'],
        all.map((c) => [c.name, c.kind ?? 'cluster', `${c.running}/${c.nodes.length}`, c.down.length === 0 ? '-' : c.down.length === c.nodes.length ? 'all (stopped)' : c.down.join(','), c.nodes.map((n) => n.port).join(','), c.tls ? `${c.server} (TLS)` : c.server, c.dir]),
        this.out.color,
      ),
    )
    this.finish({clusters: all.map(({password: _p, ...c}) => ({...c, kind: c.kind ?? 'cluster'}))})
  }
}
