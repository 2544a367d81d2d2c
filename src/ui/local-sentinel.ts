// Rendering for local Sentinel setups: the status table (master, replicas, Sentinels and what each
// Sentinel names as master), how to connect, and the --env lines (REDIS_SENTINELS, REDIS_SENTINEL_MASTER).
import type {HostPort, SentinelSetupStatus} from '../local/sentinel-status.js'
import {binName} from './local.js'
import type {Output} from './output.js'
import {renderTable} from './table.js'

export function renderSentinelConnect(out: Output, s: {masterName: string; master: HostPort; replicaNodes: HostPort[]; sentinels: HostPort[]; password?: string}, refFlags: string): void {
  const bin = binName()
  const addrs = s.sentinels.map((x) => `${x.host}:${x.port}`)
  out.line('')
  out.line(`Master name: ${s.masterName}   master: ${s.master.host}:${s.master.port}   replicas: ${s.replicaNodes.map((r) => `${r.host}:${r.port}`).join(' ') || '-'}`)
  out.line(`Sentinels:   ${addrs.join(' ')}`)
  out.line('Connect:')
  // The password is never printed: it is the one given (the Sentinels ask for it too).
  const pw = s.password !== undefined
  const h = s.sentinels[0].host === '127.0.0.1' ? '' : `-h ${s.sentinels[0].host} `
  out.line(`  ${pw ? 'REDISCLI_AUTH=<password> ' : ''}redis-cli ${h}-p ${s.sentinels[0].port} SENTINEL GET-MASTER-ADDR-BY-NAME ${s.masterName}`)
  out.line(`  ioredis:   new Redis({sentinels: [${s.sentinels.map((x) => `{host: '${x.host}', port: ${x.port}}`).join(', ')}], name: '${s.masterName}'${pw ? ', password, sentinelPassword: password' : ''}})`)
  out.line('')
  out.line(`Status: ${bin} local status${refFlags}   Failover drill: ${bin} local kill-node ${s.master.port}${refFlags}   Stop: ${bin} local stop${refFlags}   Remove: ${bin} local destroy${refFlags}`)
}

export function renderSentinelStatus(out: Output, s: SentinelSetupStatus): void {
  out.info(
    `Local Sentinel setup "${s.name}" (${s.server === 'embedded' ? 'embedded' : s.server}, persistence ${s.persistence}): master name ${s.masterName}, quorum ${s.quorum}, ${s.running}/${s.total} process(es) running; ` +
      (s.master === null ? 'no Sentinel answers' : s.sentinelsAgree ? `the Sentinels agree the master is ${s.master}` : `the Sentinels disagree (majority: ${s.master})`),
  )
  out.line(
    renderTable(
      ['address', 'role', 'id', 'master', 'link', 'offset', 'pid', 'health'],
      s.nodes.map((n) => [n.address, n.role, n.id ? n.id.slice(0, 12) : '-', n.master ?? '-', n.link, n.offset ?? '-', n.pid ?? '-', n.health]),
      out.color,
    ),
  )
  out.line(`State: ${s.dir}`)
  if (s.healthy) out.ok('All processes running and healthy; every Sentinel names the same master.')
  else if (s.running < s.total) out.warning(`Down: ${s.nodes.filter((n) => n.pid === null).map((n) => n.port).join(', ')}`)
  else out.warning('The setup is not healthy (see the health column).')
}
