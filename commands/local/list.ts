import {BaseCommand} from '../../src/cli/base-command.js'
import {listLocalClusters} from '../../src/local/cluster.js'
import {renderTable} from '../../src/ui/table.js'

export default class LocalList extends BaseCommand<typeof LocalList> {
  static override summary = 'List local clusters and how many of their nodes are running'

  async run(): Promise<void> {
    const all = listLocalClusters()
    this.out.line(renderTable(['name', 'nodes running', 'ports', 'server', 'dir'], all.map((c) => [c.name, `${c.running}/${c.nodes.length}`, c.nodes.map((n) => n.port).join(','), c.server, c.dir]), this.out.color))
    this.finish({clusters: all})
  }
}
