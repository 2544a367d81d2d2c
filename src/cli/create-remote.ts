// `redis-ts create ADDRESSES…`: the plan (planner errors become usage errors) and the executor with
// its progress events rendered in redis-cli's wording.
import type {NodePool} from '../admin/pool.js'
import {CreatePlanError, planCreate, type CreatePlan} from '../admin/plan/create.js'
import {applyCreate, type CreateResult, type ValidNode} from '../admin/exec/create.js'
import {renderReplicasSynced} from '../ui/format/create.js'
import {RedisTsError} from '../errors.js'
import type {Output} from '../ui/output.js'

export function planCreateOrUsage(nodes: ValidNode[], replicas: number): CreatePlan {
  try {
    return planCreate(nodes.map((n) => ({address: n.address, host: n.host, port: n.port})), replicas)
  } catch (err) {
    if (err instanceof CreatePlanError) throw new RedisTsError('usage', err.message)
    throw err
  }
}

export async function applyCreateWithEvents(out: Output, plan: CreatePlan, nodes: ValidNode[], pool: NodePool, opts: {timeoutMs: number; fastJoin: boolean}): Promise<{result: CreateResult; warnings: string[]}> {
  const warnings: string[] = []
  const result = await applyCreate(plan, nodes, pool, {
    ...opts,
    onEvent: (e) => {
      if (e.type === 'restore-failed') {
        warnings.push(`fast-join settings could not be restored on ${e.nodes.join(', ')}; set them back with CONFIG SET (cluster-node-timeout: "redis-ts set-timeout")`)
        out.warning(warnings[warnings.length - 1])
      } else if (e.type === 'slots-assigned') out.info('Nodes configuration updated')
      else if (e.type === 'epochs-set') out.info('Assign a different config epoch to each node')
      else if (e.type === 'meet-sent') out.info('Sending CLUSTER MEET messages to join the cluster')
      else if (e.type === 'replicate') out.line(`Replica ${e.replica} now replicates ${e.master}`)
      else if (e.type === 'replicas-synced') renderReplicasSynced(out, e)
    },
  })
  return {result, warnings}
}
