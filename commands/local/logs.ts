import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../src/cli/base-command.js'
import {clusterFlags, clusterRef} from '../../src/cli/local-flags.js'
import {logFiles} from '../../src/local/lifecycle.js'
import {followLogs, tailLines} from '../../src/local/logs.js'

export default class LocalLogs extends BaseCommand<typeof LocalLogs> {
  static override summary = 'Print the logs of a local cluster (every node, lines prefixed by port) or of one node'
  static override examples = ['<%= config.bin %> local logs', '<%= config.bin %> local logs 7000 --follow', '<%= config.bin %> local logs -n 200']
  static override args = {node: Args.string({required: false, description: 'one node: its port or id'})}
  static override flags = {
    ...clusterFlags,
    follow: Flags.boolean({char: 'f', description: 'keep printing new lines (Ctrl-C to stop)'}),
    lines: Flags.integer({char: 'n', default: 50, min: 0, description: 'lines of each log to print first'}),
  }

  async run(): Promise<void> {
    const {files} = logFiles(clusterRef(this.flags), this.args.node)
    const prefix = files.length > 1 || !this.args.node
    for (const f of files) for (const l of tailLines(f.file, this.flags.lines)) process.stdout.write(`${prefix ? `${f.port} | ` : ''}${l}\n`)
    if (this.flags.follow) await followLogs(files, (port, line) => process.stdout.write(`${prefix ? `${port} | ` : ''}${line}\n`))
  }
}
