// createCluster(server): the cluster layer as the NodeServer sees it (ClusterModule in
// commands/types.ts): slot verdicts, PUBLISH fan-out, INFO lines, the CLUSTER command group,
// and start/stop of the bus. Reads the cluster-* options from the server's config.
import {pauseWrites, unpause} from '../pause.js'
import {propagate} from '../propagate.js'
import * as path from 'node:path'
import type {ClusterModule, CommandSpec} from '../commands/types.js'
import type {NodeServer} from '../server.js'
import type {Session} from '../session.js'
import {keySlot} from '../keyspace/slot.js'
import {clusterCommands} from '../commands/cluster.js'
import {ClusterRuntime} from './runtime.js'
import {clusterDebugSubcommands} from './debug.js'
import {NodeFlag} from './bus/codec.js'
import {defaultClusterConfig, Todo, type ClusterConfig} from './state.js'
import {slotVerdict} from './verdict.js'
import {verdictError} from '../verdict.js'
import {redirectBlocked} from '../blocking.js'
import {setMaster, unsetMaster} from '../replication/role.js'

const SHARD_PUBSUB = new Set(['spublish', 'ssubscribe', 'sunsubscribe'])

function isWrite(session: Session, spec: CommandSpec): boolean {
  if (spec.name === 'exec') return session.multi?.queue.some((q) => q.flags.includes('write')) ?? false
  return spec.flags.includes('write')
}

/** The node's own client port: the TLS one with tls-cluster (bound, else configured). */
function ownClientPort(server: NodeServer): number {
  const c = server.config
  return c.bool('tls-cluster') ? server.tlsPort || c.int('tls-port') : server.port || c.int('port')
}

/** The bus port listened on: cluster-port, else the node's own client port + 10000. */
function busPortOf(server: NodeServer): number {
  return server.config.int('cluster-port') || ownClientPort(server) + 10000
}

/**
 * redis deriveAnnouncedPorts: the port peers and clients are told (the TLS port with tls-cluster),
 * the plain one next to it (pport, TLS clusters only) and the bus port, each replaced by its
 * cluster-announce-* setting when one is set.
 */
export function announcedPorts(server: NodeServer, busPort: number): {port: number; pport: number; cport: number} {
  const c = server.config
  const tlsCluster = c.bool('tls-cluster')
  let port = ownClientPort(server)
  let pport = tlsCluster ? server.port || c.int('port') : 0
  if (tlsCluster && c.int('cluster-announce-tls-port') !== 0) {
    port = c.int('cluster-announce-tls-port')
    pport = c.int('cluster-announce-port')
  } else if (c.int('cluster-announce-port') !== 0) port = c.int('cluster-announce-port')
  return {port, pport, cport: c.int('cluster-announce-bus-port') || busPort}
}

export function clusterConfigFrom(server: NodeServer): ClusterConfig {
  const c = server.config
  const ports = announcedPorts(server, busPortOf(server))
  return {
    ...defaultClusterConfig(ports.port),
    pport: ports.pport,
    cport: ports.cport,
    tlsCluster: c.bool('tls-cluster'),
    nodeTimeout: c.int('cluster-node-timeout'),
    requireFullCoverage: c.bool('cluster-require-full-coverage'),
    allowReadsWhenDown: c.bool('cluster-allow-reads-when-down'),
    allowPubsubshardWhenDown: c.bool('cluster-allow-pubsubshard-when-down'),
    allowReplicaMigration: c.bool('cluster-allow-replica-migration'),
    announceIp: c.get('cluster-announce-ip'),
    announceHostname: c.get('cluster-announce-hostname'),
    preferredEndpointType: c.get('cluster-preferred-endpoint-type') as ClusterConfig['preferredEndpointType'],
    replicaValidityFactor: c.int('cluster-replica-validity-factor'),
    replPingPeriod: c.int('repl-ping-replica-period'),
    replicaNoFailover: c.bool('cluster-replica-no-failover'),
    migrationBarrier: c.int('cluster-migration-barrier'),
    linkSendbufLimit: c.int('cluster-link-sendbuf-limit'),
  }
}

/** Call after server.listen() so port 0 has been resolved. */
export function createCluster(server: NodeServer): ClusterModule {
  const c = server.config
  const config = clusterConfigFrom(server)
  const db = server.db(0)
  const bind = c.get('bind').split(/\s+/).filter(Boolean).map((a) => a.replace(/^(-?)\*$/, '$10.0.0.0').replace(/^(-?)::\*$/, '$1::'))
  const rt = new ClusterRuntime({
    clock: server.clock,
    config,
    busPort: busPortOf(server),
    tls: config.tlsCluster && server.tls !== null ? server.tls : null,
    bindHosts: bind.length ? bind : ['127.0.0.1'],
    configFile: path.resolve(c.get('dir'), c.get('cluster-config-file')),
    hooks: {
      countKeysInSlot: (slot) => db.countKeysInSlot(slot),
      deleteKeysInSlot: (slot) => {
        const keys = db.getKeysInSlot(slot, db.countKeysInSlot(slot))
        server.beforeWrite(0, keys) // an RDB snapshot in progress keeps their pre-images
        // redis delKeysInSlot: each deletion is propagated (replicas and the AOF drop the keys too).
        for (const k of keys) {
          if (!db.delete(k)) continue
          server.keyModified(0, k)
          propagate(server, 0, ['DEL', k])
        }
      },
      onPublish: (channel, message, shard) => {
        if (!shard) server.pubsub.deliver(channel.toString('latin1'), message.toString('latin1'))
        else server.pubsub.deliverShard(channel.toString('latin1'), message.toString('latin1'))
      },
      onShardSlotLost: (slot) => server.pubsub.removeShardSlot(slot),
      log: (m) => server.log.notice(m),
      replication: () => server.replication?.view() ?? {connected: false, lastIo: 0, downSince: 0, offset: 0},
      shuttingDown: () => server.shuttingDown,
      pauseWrites: (untilMs) => pauseWrites(server, untilMs, 'failover'),
      unpauseWrites: () => unpause(server, 'failover'),
      onSetMaster: (n) => {
        const repl = server.replication
        if (!repl) return
        if (n === null) unsetMaster(repl)
        else if (n.ip && n.port) setMaster(repl, n.ip, n.port)
      },
    },
  })
  // clusterUpdateMyselfFlags: NOFAILOVER travels in the bus header so others leave us out of ranks.
  const updateMyselfFlags = () => {
    const me = rt.st.myself
    const before = me.flags
    if (rt.st.config.replicaNoFailover) me.flags |= NodeFlag.NOFAILOVER
    else me.flags &= ~NodeFlag.NOFAILOVER
    if (me.flags !== before) rt.st.mark(Todo.SAVE_CONFIG)
  }
  updateMyselfFlags()
  for (const [name, sub] of clusterDebugSubcommands(rt.st)) server.debugSubcommands.set(name, sub)
  // clusterBeforeSleep runs before any reply leaves (Redis: beforeSleep, then the client writes), once
  // per batch of input: a pipeline of CLUSTER SETSLOT commands saves nodes.conf once, as in Redis,
  // not once per command. Bus packets and muted replies are covered by the end-of-turn schedule.
  server.beforeReply.unshift(() => {
    if (rt.st.todo !== 0) rt.st.beforeSleep()
    return false
  })
  // clusterCron: a replica whose master's address is known replicates from it (at start-up from
  // nodes.conf, or once gossip taught us the address).
  const followMaster = () => {
    const me = rt.st.myself
    const repl = server.replication
    // The bus header's offset field: election rank, CLUSTER SHARDS replication-offset.
    if (repl) me.replOffset = me.isReplica && repl.master ? repl.view().offset : repl.offset
    if (!repl || !me.isReplica || !me.masterId) return
    const m = rt.st.lookup(me.masterId)
    if (!m || !m.ip || !m.port) return
    if (repl.master === null || repl.master.host !== m.ip || repl.master.port !== m.port) setMaster(repl, m.ip, m.port)
  }
  // clusterUpdateMyselfAnnouncedPorts (CONFIG SET cluster-announce-port / -bus-port / -tls-port):
  // myself's entry (CLUSTER NODES, gossip about us) and our bus headers take the announced ports at
  // once; 0 restores our own. Without tls-cluster, cluster-announce-tls-port is stored but not announced.
  const updateAnnouncedPorts = () => {
    const st = rt.st
    const ports = announcedPorts(server, rt.boundBusPort)
    st.config.port = ports.port
    st.config.pport = ports.pport
    st.config.cport = ports.cport
    st.myself.port = ports.port
    st.myself.pport = ports.pport
    st.myself.cport = ports.cport
  }
  // CONFIG SET port / tls-port: redis builds every bus header from the current ports
  // (deriveAnnouncedPorts; myself's entry keeps its own until the announced ports change); the bus
  // listener itself stays where it was bound at start.
  const headerPorts = (port: number) => {
    if (port === 0) return
    const ports = announcedPorts(server, rt.boundBusPort)
    rt.st.config.port = ports.port
    rt.st.config.pport = ports.pport
  }
  server.on('relisten', headerPorts)
  server.on('relistenTls', headerPorts)
  c.onChange.push((name, value) => {
    if (name === 'cluster-node-timeout') rt.st.config.nodeTimeout = Number(value)
    else if (name === 'cluster-require-full-coverage') rt.st.config.requireFullCoverage = value === 'yes'
    else if (name === 'cluster-allow-reads-when-down') rt.st.config.allowReadsWhenDown = value === 'yes'
    else if (name === 'cluster-allow-pubsubshard-when-down') rt.st.config.allowPubsubshardWhenDown = value === 'yes'
    else if (name === 'cluster-allow-replica-migration') rt.st.config.allowReplicaMigration = value === 'yes'
    else if (name === 'cluster-replica-validity-factor') rt.st.config.replicaValidityFactor = Number(value)
    else if (name === 'repl-ping-replica-period') rt.st.config.replPingPeriod = Number(value)
    else if (name === 'cluster-migration-barrier') rt.st.config.migrationBarrier = Number(value)
    else if (name === 'cluster-link-sendbuf-limit') rt.st.config.linkSendbufLimit = c.int('cluster-link-sendbuf-limit')
    else if (name === 'cluster-preferred-endpoint-type') rt.st.config.preferredEndpointType = value as ClusterConfig['preferredEndpointType']
    else if (name === 'cluster-announce-hostname') {
      // clusterUpdateMyselfHostname: the next PING/PONG carries the hostname extension.
      rt.st.config.announceHostname = value
      if (rt.st.myself.hostname !== value) {
        rt.st.myself.hostname = value
        rt.st.mark(Todo.SAVE_CONFIG)
      }
    }
    else if (name === 'cluster-announce-port' || name === 'cluster-announce-bus-port' || name === 'cluster-announce-tls-port') updateAnnouncedPorts()
    else if (name === 'cluster-replica-no-failover') {
      rt.st.config.replicaNoFailover = value === 'yes'
      updateMyselfFlags()
    }
  })
  // Redis's clientsCron redirects clients blocked on keys whose slot moved away (MOVED) or whose
  // cluster went down (CLUSTERDOWN) — clusterRedirectBlockedClientIfNeeded. Same cadence: 100 ms.
  let blockedTimer: NodeJS.Timeout | undefined
  const redirectBlockedClients = () => {
    followMaster()
    redirectBlockedClientsNow()
  }
  const redirectBlockedClientsNow = () =>
    redirectBlocked(server, (session, _db, keys) => {
      if (keys.length === 0) return null
      // A READONLY client blocked in a read (XREAD) on a replica of the slot's owner stays
      // blocked there (clusterRedirectBlockedClientIfNeeded); only a blocked write is redirected.
      const spec = server.commands.lookup(session.lastCommand.split('|')[0])
      const v = slotVerdict(rt.st, {
        keys: keys.slice(0, 1), slotOf: keySlot, exists: () => true, asking: session.asking,
        readonlySession: session.readonlyMode, write: spec === undefined || spec.flags.includes('write'), isMigrate: false, pubsubShard: false, tlsClient: session.tls,
      })
      return v.kind === 'moved' || v.kind === 'clusterdown' ? verdictError(v) : null
    })
  return {
    runtime: rt,
    busPort: () => rt.boundBusPort,
    commands: clusterCommands(rt),
    hooks: {
      verdict: (session, spec, _argv, keys) => {
        // Hot path (one key, a stable slot this master owns, cluster ok): no query object at all.
        const st = rt.st
        const slot = keys.length !== 0 ? keySlot(keys[0]) : -1
        session.clusterSlot = slot
        if (keys.length === 1 && st.ok) {
          if (st.slots[slot] === st.myself && st.migratingTo[slot] === null && st.importingFrom[slot] === null) return null
        }
        return slotVerdict(st, {
        keys, slotOf: keySlot, exists: (k) => db.has(k), asking: session.asking || spec.name === 'restore-asking',
        readonlySession: session.readonlyMode, write: isWrite(session, spec),
        isMigrate: spec.name === 'migrate', pubsubShard: SHARD_PUBSUB.has(spec.name), tlsClient: session.tls,
        })
      },
      publish: (channel, message) => rt.publish(channel, message),
      publishShard: (channel, message) => rt.publishShard(channel, message),
      infoLines: () => ['cluster_enabled:1'],
      shutdown: () => rt.stop(),
      isReplica: () => rt.st.myself.isReplica,
    },
    start: async () => {
      server.freezeHooks.push((on) => rt.freeze(on))
      await rt.start()
      blockedTimer = setInterval(redirectBlockedClients, 100)
      blockedTimer.unref()
    },
    stop: async () => {
      if (blockedTimer) clearInterval(blockedTimer)
      await rt.stop()
    },
    kill: () => {
      rt.killed = true
      if (blockedTimer) clearInterval(blockedTimer)
      void rt.stop().catch(() => {})
    },
  } as ClusterModule & {runtime: ClusterRuntime}
}

export {ClusterRuntime}
