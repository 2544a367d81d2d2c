// A running cluster layer: ClusterState + the TCP bus + the 100 ms cron + nodes.conf on disk.
// Independent of NodeServer (index.ts adapts it), so it can be driven by tests directly.
import * as fs from 'node:fs'
import {ClusterState, type ClusterConfig, type ClusterHooks} from './state.js'
import {BusListener, type BusTls, type SocketLink} from './bus/links.js'
import {broadcastPublish, installBroadcastHook, processFrame, publishShard} from './gossip.js'
import {clusterCron, linkConnected, CRON_INTERVAL_MS} from './cron.js'
import {installFailoverHooks} from './failover.js'
import {loadNodesConf, renderNodesConf} from './format.js'
import {parseNodesConf, writeConfigInPlace} from './nodes-conf.js'
import type {Clock} from '../clock.js'

export interface ClusterRuntimeOptions {
  clock: Clock
  config: ClusterConfig
  /** Port to listen on for the bus (cluster-port); config.cport is what we announce. */
  busPort: number
  bindHosts: string[]
  /** nodes.conf path; undefined = no persistence. */
  configFile?: string
  /** tls-cluster: the bus listens and connects with these (src/node/tls.ts), else plain TCP */
  tls?: BusTls | null
  hooks: Pick<ClusterHooks, 'countKeysInSlot' | 'deleteKeysInSlot' | 'onPublish' | 'onShardSlotLost' | 'onSetMaster' | 'log' | 'replication' | 'shuttingDown' | 'pauseWrites' | 'unpauseWrites'>
}

export class ClusterRuntime {
  readonly st: ClusterState
  private readonly bus: BusListener
  private cron?: NodeJS.Timeout
  private scheduled = false
  boundBusPort = 0

  constructor(private readonly opts: ClusterRuntimeOptions) {
    const log = opts.hooks.log ?? (() => {})
    this.bus = new BusListener({
      onFrame: (link, frame) => processFrame(this.st, link, frame),
      onConnect: (link: SocketLink) => {
        if (link.node && link.node.link === link) linkConnected(this.st, link.node)
      },
      onClose: (link: SocketLink) => this.st.linkClosed(link),
      dropOutgoing: (link: SocketLink) => this.st.dropsTraffic(link),
      log,
    }, () => opts.clock.now(), opts.tls ?? null)
    this.st = new ClusterState(opts.clock, opts.config, {
      ...opts.hooks,
      connect: (node) => this.bus.connect(node),
      saveConfig: (text, fsync) => this.writeConfig(text, fsync),
      schedule: () => this.schedule(),
    })
    this.st.renderConfig = () => renderNodesConf(this.st)
    installBroadcastHook(this.st)
    installFailoverHooks(this.st)
  }

  /** Load or create nodes.conf, open the bus port, start the cron. */
  async start(): Promise<void> {
    const file = this.opts.configFile
    if (file && fs.existsSync(file) && fs.statSync(file).size > 0) {
      loadNodesConf(this.st, parseNodesConf(fs.readFileSync(file, 'latin1')))
      this.opts.hooks.log?.(`Node configuration loaded, I'm ${this.st.myself.id}`)
    } else {
      this.opts.hooks.log?.(`No cluster configuration found, I'm ${this.st.myself.id}`)
      this.st.freshIdentity = true
      this.st.saveNow(true)
    }
    this.boundBusPort = await this.bus.listen(this.opts.bindHosts, this.opts.busPort)
    if (this.st.config.cport === 0) {
      this.st.config.cport = this.boundBusPort
      this.st.myself.cport = this.boundBusPort
    }
    this.st.updateState()
    this.cron = setInterval(() => this.tick(), CRON_INTERVAL_MS)
    this.cron.unref()
  }

  /** Frozen (NodeServer.freeze): no cron, the links read nothing. */
  frozen = false

  freeze(on: boolean): void {
    this.frozen = on
    this.bus.freeze(on)
    for (const n of this.st.nodes.values()) {
      n.link?.freeze?.(on)
      n.inboundLink?.freeze?.(on)
    }
  }

  tick(): void {
    if (this.frozen) return
    try {
      clusterCron(this.st)
      this.st.beforeSleep()
    } catch (e) {
      this.opts.hooks.log?.(`cluster cron error: ${(e as Error).stack}`)
    }
  }

  /** Apply deferred side effects once per event-loop turn (DESIGN rule 6). */
  private schedule(): void {
    if (this.scheduled) return
    this.scheduled = true
    setImmediate(() => {
      this.scheduled = false
      this.st.beforeSleep()
    })
  }

  /** What is on disk: a routine save of identical text is skipped; a save that must be fsynced never is. */
  private written: {text: string} | null = null

  /**
   * clusterSaveConfig (redis 7.0): one write of the whole text over the file in place, padded with
   * newlines to the old length (the loader ignores blank lines) then truncated, fsync only when the
   * change must survive a crash (epochs, votes, slot ownership). A temp file + rename + directory
   * fsync per save cost 4x more and made every SETSLOT of a reshard pay for it on every node.
   */
  /** The node's process is dying (a hosted node killed, src/node/host.ts): nothing more is written. */
  killed = false

  private writeConfig(text: string, fsync: boolean): void {
    const file = this.opts.configFile
    if (!file || this.killed) return
    if (!fsync && this.written?.text === text) return
    try {
      writeConfigInPlace(file, text, fsync)
      this.written = {text}
    } catch (e) {
      this.written = null
      this.opts.hooks.log?.(`Could not save cluster config ${file}: ${(e as Error).message}`)
      throw e
    }
  }

  publish(channel: string, message: string): void {
    broadcastPublish(this.st, Buffer.from(channel, 'latin1'), Buffer.from(message, 'latin1'))
  }

  publishShard(channel: string, message: string): void {
    publishShard(this.st, Buffer.from(channel, 'latin1'), Buffer.from(message, 'latin1'))
  }

  async stop(): Promise<void> {
    if (this.cron) clearInterval(this.cron)
    this.cron = undefined
    try {
      this.st.saveNow(true)
    } catch {
      // already logged
    }
    for (const n of this.st.nodes.values()) this.st.freeLinks(n)
    await this.bus.close()
  }
}
