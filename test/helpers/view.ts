// Builds ClusterViews from CLUSTER NODES fixture text for pure tests (no sockets).
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {buildNode, sortNodes} from '../../src/admin/topology/load.js'
import {parseClusterNodes, parseInfo} from '../../src/admin/topology/parse.js'
import {attachReplicaLag} from '../../src/admin/topology/replication.js'
import type {ClusterView, NodeEntry} from '../../src/admin/topology/types.js'

export function fixture(name: string): string {
  return readFileSync(join(import.meta.dirname, '..', 'fixtures', 'topologies', name), 'utf8')
}

export function infoFixture(name: string): string {
  return readFileSync(join(import.meta.dirname, '..', 'fixtures', 'info', name), 'utf8')
}

/**
 * Every node answers with the same text, re-pointing `myself` at itself; `unreachable` ids get no view.
 * `infoText`: a node's INFO reply (as loaded by check/info), e.g. an INFO replication fixture.
 */
export function viewFrom(text: string, opts: {unreachable?: string[]; perNode?: Record<string, string>; info?: Record<string, Record<string, string>>; infoText?: Record<string, string>} = {}): ClusterView {
  const entries = parseClusterNodes(text)
  const seed = entries.find((e) => e.myself) ?? entries[0]
  const nodes = entries.map((e) => {
    const addr = {host: e.host || '127.0.0.1', port: e.port}
    if (opts.unreachable?.includes(e.id)) return buildNode(e, e, addr, undefined, 'connect ECONNREFUSED')
    const ownText = opts.perNode?.[e.id]
    const view: NodeEntry[] = ownText
      ? parseClusterNodes(ownText)
      : entries.map((x) => ({...x, myself: x.id === e.id, flags: x.id === e.id ? ['myself', ...x.flags.filter((f) => f !== 'myself')] : x.flags.filter((f) => f !== 'myself')}))
    const infoText = opts.infoText?.[e.id]
    return buildNode(e, e, addr, {view, clusterInfo: opts.info?.[e.id] ?? {cluster_state: 'ok'}, ...(infoText !== undefined ? {info: parseInfo(infoText)} : {})})
  })
  attachReplicaLag(nodes)
  return {seed: `${seed.host}:${seed.port}`, seedId: seed.id, nodes: sortNodes(nodes), loadedAt: 0}
}
