import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../src/cli/base-command.js'
import {createLocal, localPassword, waitForeground} from '../src/cli/create-local.js'
import {printTimeline} from '../src/timing.js'
import {ExitCode, NodePool, RedisTsError, checkCluster, parseAddress, validateCreateNodes} from '../src/index.js'
import {applyCreateWithEvents, planCreateOrUsage} from '../src/cli/create-remote.js'
import {createPlanDoc, renderCreatePlan} from '../src/ui/format/create.js'
import {renderCheck} from '../src/ui/format/view.js'

const LOCAL = 'LOCAL CLUSTER'

export default class Create extends BaseCommand<typeof Create> {
  static override summary = 'Create a cluster from empty cluster-enabled nodes, or (no addresses) a local cluster'
  static override description = `Validates every node first (reachable, cluster-enabled, empty, no duplicates, at least 3 masters)
and changes nothing if any check fails. Plans masters and replicas with host anti-affinity and
contiguous balanced slot ranges, asks for confirmation (or --yes), applies ADDSLOTSRANGE,
SET-CONFIG-EPOCH, MEET and REPLICATE, then waits until every node agrees and reports cluster_state:ok
and every replica has finished its initial sync (master_link_status:up). --timeout bounds the wait (exit 7).

With no addresses, starts a local cluster instead: ports 7000… for the default cluster (random free
ports for named ones, or --port), one directory per node under $XDG_STATE_HOME/redis-ts/<name>
(default ~/.local/state/redis-ts/<name>), embedded redis-ts nodes (or --server redis-server), left
running in the background; "redis-ts local status|stop|start|destroy|…" manage it. With --tls its nodes
are TLS only (tls-port, tls-cluster, tls-replication, client certificates required) with a CA and a
certificate generated into <dir>/tls by openssl, or your own --cacert/--cert/--key; the lifecycle
commands find them in the state file.`
  static override strict = false
  static override examples = [
    '<%= config.bin %> create 10.0.0.1:7000 10.0.0.2:7000 10.0.0.3:7000 10.0.0.1:7001 10.0.0.2:7001 10.0.0.3:7001 --replicas 1',
    '<%= config.bin %> create --replicas 1 --yes         # local cluster of embedded nodes on 7000-7005, no Redis needed',
    '<%= config.bin %> create --name ci --port 0 --env >> "$GITHUB_ENV"',
    '<%= config.bin %> create --replicas 1 --tls --yes   # the same, TLS only (certificates in the state directory)',
  ]
  static override args = {nodes: Args.string({required: false, description: 'node addresses (host:port), at least 3 masters; none: start a local cluster'})}
  static override flags = {
    replicas: Flags.integer({char: 'r', aliases: ['cluster-replicas'], default: 0, min: 0, description: 'replicas per master'}),
    'dry-run': Flags.boolean({description: 'print the plan and change nothing'}),
    timeout: Flags.integer({default: 60, min: 1, description: 'seconds to wait for the cluster to converge and the replicas to sync'}),
    'fast-join': Flags.boolean({default: true, allowNo: true, description: 'lower cluster-node-timeout to 1000 ms and repl-diskless-sync-delay to 0, and keep replicas from failing over or migrating, while the cluster forms, then restore them'}),
    masters: Flags.integer({default: 3, min: 3, helpGroup: LOCAL, description: 'number of masters'}),
    name: Flags.string({default: 'default', helpGroup: LOCAL, description: 'cluster name (state in $XDG_STATE_HOME/redis-ts/<name>)'}),
    dir: Flags.string({helpGroup: LOCAL, description: 'state directory'}),
    port: Flags.integer({aliases: ['port-base'], min: 0, max: 65535, helpGroup: LOCAL, description: 'first port of the block (default 7000 for the default cluster, moved up when busy; 0 or named clusters: random free ports)'}),
    server: Flags.string({default: 'embedded', helpGroup: LOCAL, description: '"embedded" (redis-ts node) or a redis-server binary (path or name on PATH)'}),
    'node-timeout': Flags.integer({default: 2000, min: 100, helpGroup: LOCAL, description: 'cluster-node-timeout in ms'}),
    bind: Flags.string({default: '127.0.0.1', helpGroup: LOCAL, description: 'listen address (::1 for IPv6)'}),
    'announce-ip': Flags.string({helpGroup: LOCAL, description: 'cluster-announce-ip (address clients and peers are told, e.g. in containers)'}),
    'password-env': Flags.string({helpGroup: LOCAL, description: 'environment variable holding the password (requirepass + masterauth; --password works too); never printed'}),
    persistence: Flags.string({default: 'rdb', options: ['none', 'rdb', 'aof'], helpGroup: LOCAL, description: 'rdb: data saved on stop and back on start; aof: appendonly; none: nothing but nodes.conf'}),
    foreground: Flags.boolean({helpGroup: LOCAL, description: 'stay attached: Ctrl-C stops every node and removes the files (docker run style)'}),
    'single-process': Flags.boolean({allowNo: true, helpGroup: LOCAL, description: 'embedded nodes share one Node.js process (the default: ready sooner, a quarter of the memory, a faster first reshard); --no-single-process: a process per node (the nodes use several cores; a long command on one node delays no other)'}),
    env: Flags.boolean({helpGroup: LOCAL, description: 'print REDIS_CLUSTER_NODES=… / REDIS_CLUSTER_SEED=… lines on stdout (append to $GITHUB_ENV)'}),
    sentinel: Flags.boolean({helpGroup: 'SENTINEL', description: 'start a local master + replicas + Sentinels instead of a cluster (--replicas default 2, --sentinels, --name, --server); the local commands manage it'}),
    sentinels: Flags.integer({default: 3, min: 1, helpGroup: 'SENTINEL', description: 'with --sentinel: number of Sentinels'}),
    'master-name': Flags.string({helpGroup: 'SENTINEL', description: 'with --sentinel: the name the Sentinels monitor (default mymaster, or --name when given)'}),
    'sentinel-port': Flags.integer({min: 0, max: 65535, helpGroup: 'SENTINEL', description: 'with --sentinel: first Sentinel port (default 26379 when the data ports are a block, random with --port 0 or a name; 0: random)'}),
    'down-after': Flags.integer({default: 5000, min: 100, helpGroup: 'SENTINEL', description: 'with --sentinel: down-after-milliseconds (ms without a reply before a Sentinel sees the master down)'}),
  }

  async run(): Promise<void> {
    const {argv} = await this.parse(Create)
    const addrs = (argv as string[]).map(parseAddress)
    if (this.flags['single-process'] === true && (this.flags.sentinel || addrs.length > 0)) throw new RedisTsError('usage', `--single-process starts a local cluster's embedded nodes in one process; it does not apply to ${this.flags.sentinel ? 'create --sentinel' : 'node addresses'}`)
    if (this.flags.sentinel) {
      const f = this.flags
      if (addrs.length > 0) throw new RedisTsError('usage', 'create --sentinel starts a local setup and does not take node addresses')
      // Local Sentinel setups are plain TCP only: refuse rather than start one the flags do not describe.
      if (f.tls || f.cacert || f.cert || f.key) throw new RedisTsError('usage', 'create --sentinel does not support --tls (nor --cacert/--cert/--key): local Sentinel setups are plain TCP only', {hint: 'Leave out the TLS flags, or use create --tls without --sentinel for a local TLS cluster.'})
      const password = localPassword(f, this.connectOptions().password)
      const opts = {name: f.name, masterName: f['master-name'], replicas: f.replicas || 2, sentinels: f.sentinels, dir: f.dir, server: f.server, port: f.port, sentinelPort: f['sentinel-port'], persistence: f.persistence, downAfterMs: f['down-after'], failoverTimeoutMs: 60000, timeoutS: f.timeout, env: f.env, bind: f.bind, announceIp: f['announce-ip'], password, foreground: f.foreground}
      return (await import('../src/cli/sentinel.js')).sentinelCreateCommand(this.out, (r, c) => this.finish(r, c), opts)
    }
    if (addrs.length === 0) {
      const {doc, cluster} = await createLocal(this.out, this.flags, this.connectOptions().password)
      this.finish(doc)
      if (this.flags.foreground) await waitForeground(this.out, cluster)
      return
    }
    const pool = new NodePool(this.connectOptions())
    try {
      this.out.info(`Performing hash slots allocation on ${addrs.length} nodes...`)
      const nodes = await validateCreateNodes(addrs, pool)
      const plan = planCreateOrUsage(nodes, this.flags.replicas)
      const idOf = new Map(nodes.map((n) => [n.address, n.id]))
      renderCreatePlan(this.out, plan, idOf)
      if (this.flags['dry-run']) {
        this.out.info('Dry run: nothing was changed.')
        return this.finish({dryRun: true, plan: createPlanDoc(plan, idOf)})
      }
      await this.confirm('Can I set the above configuration?')
      const started = Date.now()
      const {result, warnings} = await applyCreateWithEvents(this.out, plan, nodes, pool, {timeoutMs: this.flags.timeout * 1000, fastJoin: this.flags['fast-join']})
      this.out.info(`Cluster converged in ${((Date.now() - started) / 1000).toFixed(2)}s: all nodes agree and report cluster_state:ok`)
      const {view, report} = await checkCluster(addrs[0], pool, {multipleOwners: false})
      renderCheck(this.out, view, report, {multipleOwners: false})
      this.finish({plan: createPlanDoc(plan, idOf), nodes: result.nodes, elapsedMs: Date.now() - started, healthy: report.healthy}, warnings.length ? ExitCode.PARTIAL_FAILURE : ExitCode.OK, warnings)
    } finally {
      await pool.close()
      printTimeline()
    }
  }
}
