import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../src/cli/base-command.js'
import {NodePool, applyImport, importError, parseAddress, prepareImport, usageError} from '../src/index.js'
import {createProgress, interruptSignal} from '../src/ui/progress.js'

export default class Import extends BaseCommand<typeof Import> {
  static override summary = 'Import the keys of a standalone Redis into the cluster'
  static override description = `SCANs the source (COUNT 1000) and sends each page as one MIGRATE ... KEYS per target master
(redis-cli sends one MIGRATE per key). Without --copy the keys leave the source (MIGRATE semantics).
Keys that already exist in the cluster: equal values are accepted, different ones are listed and
skipped (exit 8) unless --replace. The source must not be a cluster node.`
  static override examples = [
    '<%= config.bin %> import 127.0.0.1:7000 --from 127.0.0.1:6379',
    '<%= config.bin %> import 127.0.0.1:7000 --from 10.0.0.5:6379 --copy --from-pass secret',
  ]
  static override args = {node: Args.string({required: true, description: 'any node of the cluster (host:port)'})}
  static override flags = {
    from: Flags.string({aliases: ['cluster-from'], description: 'standalone source host:port'}),
    copy: Flags.boolean({aliases: ['cluster-copy'], description: 'keep the keys on the source (MIGRATE COPY)'}),
    replace: Flags.boolean({aliases: ['cluster-replace'], description: 'overwrite keys that already exist in the cluster'}),
    'from-user': Flags.string({aliases: ['cluster-from-user'], description: 'ACL user on the source'}),
    'from-pass': Flags.string({aliases: ['cluster-from-pass'], description: 'password on the source'}),
    timeout: Flags.integer({aliases: ['cluster-timeout'], default: 60000, min: 1, description: 'MIGRATE timeout in ms'}),
  }

  async run(): Promise<void> {
    const f = this.flags
    if (!f.from) throw usageError('Missing --from <host:port> (the standalone source)')
    const seed = parseAddress(this.args.node)
    const from = parseAddress(f.from)
    const pool = new NodePool(this.connectOptions({migrateTimeoutMs: this.flags.timeout}))
    try {
      const {view, sourcePool, keys} = await prepareImport(seed, pool, from, {fromUser: f['from-user'], fromPassword: f['from-pass']})
      try {
        this.out.warn(`Importing ${keys} keys from DB 0 of ${f.from}${f.copy ? ' (copy)' : ''}`)
        const progress = createProgress({json: this.json, label: 'Importing', unit: 'keys'})
        const intr = interruptSignal(() => progress.note('Interrupted: finishing the batch in flight, then stopping...'))
        let r
        try {
          r = await applyImport(pool, sourcePool, view, from, {copy: f.copy, replace: f.replace, migrateTimeoutMs: f.timeout, signal: intr.signal, onEvent: (e) => progress.onEvent(e)})
        } finally {
          progress.stop()
          intr.dispose()
        }
        const err = importError(r)
        if (err) throw err
        this.out.ok(`Imported ${r.migrated} keys in ${(r.elapsedMs / 1000).toFixed(2)}s (${r.keysPerSecond} keys/s).`)
        this.finish(r)
      } finally {
        await sourcePool.close()
      }
    } finally {
      await pool.close()
    }
  }
}
