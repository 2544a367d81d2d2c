// Changing role (redis replicationSetMaster / replicationUnsetMaster): REPLICAOF, CLUSTER
// REPLICATE and, later, failover all come through these two functions.
import {disconnectAllBlocked} from '../blocking.js'
import {Backlog} from './backlog.js'
import {MasterLink} from './replica.js'
import type {Replication} from './state.js'

export function setMaster(repl: Replication, host: string, port: number): void {
  const server = repl.server
  const wasMaster = repl.master === null
  const old = repl.master
  if (old && old.host === host && old.port === port && old.state !== 'connect') return
  let cached: MasterLink['cached'] = null
  if (old) {
    // Keep the history we had with the previous master: the new one may continue it (PSYNC2).
    cached = old.connected || old.cached ? {replid: repl.replid, offset: old.reploff, db: old.streamDb} : old.cached
    old.stop()
  } else {
    // replicationCacheMasterUsingMyself: a demoted master can PSYNC from its own offset.
    repl.flushStream()
    cached = {replid: repl.replid, offset: repl.offset, db: repl.rdbStreamDb}
    repl.rdbStreamDb = undefined
    if (repl.backlog === null) repl.backlog = new Backlog(server.config.int('repl-backlog-size'), repl.offset)
  }
  // redis 7.0 keeps its replicas here: they may continue with us if the new master accepts our
  // PSYNC; a new history id (+CONTINUE <id>) or a full sync's load (attachToNewMaster) drops them
  // Clients blocked in master, now replica (BLPOP, WAIT): -UNBLOCKED, then closed.
  disconnectAllBlocked(server)
  repl.onDemote?.()
  const link = new MasterLink(repl, host, port)
  link.cached = cached
  if (cached) link.reploff = link.readReploff = cached.offset
  repl.master = link
  // redis server.masterhost/masterport: what CONFIG GET replicaof and CONFIG REWRITE report
  server.config.set('replicaof', `${host} ${port}`)
  setReplicaMode(repl, true)
  if (wasMaster) server.log.notice('Before turning into a replica, using my own master parameters to synthesize a cached master: I may be able to synchronize with the new master with just a partial transfer.')
  link.start()
}

export function unsetMaster(repl: Replication): void {
  const link = repl.master
  if (!link) return
  const server = repl.server
  // Adopt the offset we processed as our own, then start a new history (PSYNC2 keeps the old one as replid2).
  repl.offset = link.connected || link.cached ? link.reploff : repl.offset
  server.replOffset = repl.offset
  link.stop()
  repl.master = null
  server.config.set('replicaof', '')
  repl.shiftReplicationId()
  repl.disconnectReplicas()
  repl.ensureBacklog()
  repl.selectedDb = -1
  setReplicaMode(repl, false)
}

function setReplicaMode(repl: Replication, replica: boolean): void {
  const server = repl.server
  server.log.role = replica ? 'S' : 'M'
  // Replicas never expire keys themselves: the master's DEL does (reads still hide expired keys).
  server.setExpireMode(replica ? 'replica' : 'master')
  server.emit('role-change', replica)
}
