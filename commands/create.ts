import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../src/cli/base-command.js'
import {CreatePlanError, ExitCode, NodePool, applyCreate, loadCluster, parseAddress, planCreate, validateCreateNodes} from '../src/index.js'
import {renderCheck} from '../src/admin/format/view.js'
import {runChecks} from '../src/admin/check/checks.js'
import {RedisTsError, usageError} from '../src/errors.js'
import {startLocalCluster} from '../src/local/cluster.js'
import {renderTable} from '../src/ui/table.js'

export default class Create extends BaseCommand<typeof Create> {
  static override summary = 'Create a cluster from empty cluster-enabled nodes'
  static override description = `Validates every node first (reachable, cluster-enabled, empty, no duplicates, at least 3 masters)
and changes nothing if any check fails. Plans masters and replicas with host anti-affinity and
contiguous balanced slot ranges, asks for confirmation (or --yes), applies ADDSLOTSRANGE,
SET-CONFIG-EPOCH, MEET and REPLICATE, then waits until every node agrees and reports cluster_state:ok
and every replica has finished its initial sync (master_link_status:up). --timeout bounds the wait (exit 7).

With no addresses, starts a local cluster instead: free ports (bus ports below 32768), one directory
per node under the state directory, embedded redis-ts nodes (or --server /usr/bin/redis-server), left
running in the background; "redis-ts local stop" tears it down.`
  static override strict = false
  static override examples = [
    '<%= config.bin %> create 10.0.0.1:7000 10.0.0.2:7000 10.0.0.3:7000 10.0.0.1:7001 10.0.0.2:7001 10.0.0.3:7001 --replicas 1',
    '<%= config.bin %> create 127.0.0.1:7000 127.0.0.1:7001 127.0.0.1:7002 --yes --json',
    '<%= config.bin %> create --replicas 1            # local cluster of embedded nodes, no Redis needed',
  ]
  static override args = {nodes: Args.string({required: false, description: 'node addresses (host:port), at least 3 masters; none: start a local cluster'})}
  static override flags = {
    replicas: Flags.integer({char: 'r', aliases: ['cluster-replicas'], default: 0, min: 0, description: 'replicas per master'}),
    'dry-run': Flags.boolean({description: 'print the plan and change nothing'}),
    timeout: Flags.integer({default: 60, min: 1, description: 'seconds to wait for the cluster to converge and the replicas to sync'}),
    'fast-join': Flags.boolean({default: true, allowNo: true, description: 'lower cluster-node-timeout to 1000 ms (masters report ok after min(node-timeout, 5 s)) and repl-diskless-sync-delay to 0 while the cluster forms, then restore them'}),
    masters: Flags.integer({default: 3, min: 3, helpGroup: 'LOCAL CLUSTER', description: 'local cluster (no addresses): number of masters'}),
    name: Flags.string({default: 'default', helpGroup: 'LOCAL CLUSTER', description: 'local cluster: name (state in <tmpdir>/redis-ts/<name>)'}),
    dir: Flags.string({helpGroup: 'LOCAL CLUSTER', description: 'local cluster: state directory'}),
    'port-base': Flags.integer({min: 1, max: 65535, helpGroup: 'LOCAL CLUSTER', description: 'local cluster: first data port to try (default: free random ports)'}),
    server: Flags.string({default: 'embedded', helpGroup: 'LOCAL CLUSTER', description: 'local cluster: "embedded" (redis-ts node) or the path of a redis-server binary'}),
    'node-timeout': Flags.integer({default: 2000, min: 100, helpGroup: 'LOCAL CLUSTER', description: 'local cluster: cluster-node-timeout in ms'}),
  }

  private replicasSynced(e: {replicas: number; unreported: string[]}): void {
    const synced = e.replicas - e.unreported.length
    if (synced) this.out.info(`${synced === e.replicas ? 'All ' : ''}${synced} replica(s) finished their initial sync`)
    if (e.unreported.length) this.out.warn(`Not waited for: ${e.unreported.join(', ')} do not report master_link_status (INFO replication)`)
  }

  /** No addresses: start local nodes (embedded by default) and build the cluster on them. */
  private async createLocal(): Promise<void> {
    if (this.flags['dry-run']) throw usageError('--dry-run needs node addresses (a local cluster has nothing to plan against yet)')
    const f = this.flags
    const started = Date.now()
    this.out.info(`Starting a local cluster "${f.name}": ${f.masters} masters, ${f.replicas} replica(s) each, ${f.server === 'embedded' ? 'embedded redis-ts nodes' : f.server}`)
    const password = this.connectOptions().password
    const cluster = await startLocalCluster({
      name: f.name,
      dir: f.dir,
      masters: f.masters,
      replicas: f.replicas,
      portBase: f['port-base'],
      server: f.server,
      nodeTimeoutMs: f['node-timeout'],
      ...(password ? {password} : {}),
      detached: true,
      timeoutMs: f.timeout * 1000,
      onEvent: (e) => {
        if (e.type === 'spawned') this.out.info(`Spawned ${e.nodes} nodes`)
        else if (e.type === 'ready') this.out.info('All nodes answer; creating the cluster')
        else if (e.type === 'replicas-synced') this.replicasSynced(e)
      },
    })
    const pool = new NodePool(this.connectOptions())
    try {
      const view = await loadCluster(parseAddress(cluster.addresses[0]), pool, {details: true})
      renderCheck(this.out, view, runChecks(view), {multipleOwners: false})
    } finally {
      await pool.close()
    }
    this.out.ok(`Local cluster ready in ${((Date.now() - started) / 1000).toFixed(2)}s: ${cluster.addresses.join(' ')}`)
    this.out.line(`State: ${cluster.dir}. Stop it with: redis-ts local stop${f.dir ? ` --dir ${cluster.dir}` : f.name !== 'default' ? ` --name ${f.name}` : ''}`)
    this.finish({local: true, name: cluster.name, dir: cluster.dir, addresses: cluster.addresses, nodes: cluster.create.nodes.map((n) => ({...n, pid: cluster.nodes.find((x) => `127.0.0.1:${x.port}` === n.address)?.pid})), elapsedMs: Date.now() - started})
  }

  async run(): Promise<void> {
    const {argv} = await this.parse(Create)
    const addrs = (argv as string[]).map(parseAddress)
    if (addrs.length === 0) return this.createLocal()
    const pool = new NodePool(this.connectOptions())
    try {
      this.out.info(`Performing hash slots allocation on ${addrs.length} nodes...`)
      const nodes = await validateCreateNodes(addrs, pool)
      let plan
      try {
        plan = planCreate(nodes.map((n) => ({address: n.address, host: n.host, port: n.port})), this.flags.replicas)
      } catch (err) {
        if (err instanceof CreatePlanError) throw new RedisTsError('usage', err.message)
        throw err
      }
      plan.masters.forEach((m, i) => this.out.line(`Master[${i}] -> Slots ${m.slots[0]} - ${m.slots[1]}`))
      for (const r of plan.replicas) this.out.line(`Adding replica ${r.address} to ${r.masterAddress}`)
      const aa = plan.antiAffinity
      if (plan.replicas.length) {
        if (aa.perfect) this.out.ok('Perfect anti-affinity obtained!')
        else if (aa.replicasWithMasterHost) this.out.warning('Some replicas are in the same host as their master')
        else this.out.warning('Some replicas of the same master are in the same host')
      }
      const idOf = new Map(nodes.map((n) => [n.address, n.id]))
      this.out.line(
        renderTable(
          ['role', 'address', 'id', 'slots', 'replicates'],
          [
            ...plan.masters.map((m) => ['master', m.address, idOf.get(m.address)!, `${m.slots[0]}-${m.slots[1]} (${m.slotCount})`, '']),
            ...plan.replicas.map((r) => ['replica', r.address, idOf.get(r.address)!, '', r.masterAddress]),
          ],
          this.out.color,
        ),
      )
      const planDoc = {masters: plan.masters.map((m) => ({...m, id: idOf.get(m.address)})), replicas: plan.replicas.map((r) => ({...r, id: idOf.get(r.address)})), antiAffinity: aa}
      if (this.flags['dry-run']) {
        this.out.info('Dry run: nothing was changed.')
        this.finish({dryRun: true, plan: planDoc})
        return
      }
      await this.confirm('Can I set the above configuration?')
      const started = Date.now()
      const warnings: string[] = []
      const result = await applyCreate(plan, nodes, pool, {
        timeoutMs: this.flags.timeout * 1000,
        fastJoin: this.flags['fast-join'],
        onEvent: (e) => {
          if (e.type === 'restore-failed') {
            warnings.push(`fast-join settings could not be restored on ${e.nodes.join(', ')}; set them back with CONFIG SET (cluster-node-timeout: "redis-ts set-timeout")`)
            this.out.warning(warnings[warnings.length - 1])
          }
          if (e.type === 'slots-assigned') this.out.info('Nodes configuration updated')
          else if (e.type === 'epochs-set') this.out.info('Assign a different config epoch to each node')
          else if (e.type === 'meet-sent') this.out.info('Sending CLUSTER MEET messages to join the cluster')
          else if (e.type === 'replicate') this.out.line(`Replica ${e.replica} now replicates ${e.master}`)
          else if (e.type === 'replicas-synced') this.replicasSynced(e)
        },
      })
      this.out.info(`Cluster converged in ${((Date.now() - started) / 1000).toFixed(2)}s: all nodes agree and report cluster_state:ok`)
      const view = await loadCluster(addrs[0], pool, {details: true})
      const report = runChecks(view)
      renderCheck(this.out, view, report, {multipleOwners: false})
      this.finish({plan: planDoc, nodes: result.nodes, elapsedMs: Date.now() - started, healthy: report.healthy}, warnings.length ? ExitCode.PARTIAL_FAILURE : ExitCode.OK, warnings)
    } finally {
      await pool.close()
    }
  }
}
