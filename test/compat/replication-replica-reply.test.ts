// Nothing is ever written back on a replica's link (redis 7.0 networking.c _addReplyToBufferOrList
// and addReplyDeferredLen): a command sent after SYNC/PSYNC that produces a reply is logged
// ("Replica generated a reply to command '…', disconnecting it: …") and the replica is freed
// without the reply; a keyspace command is refused first ("Replica can't interact with the
// keyspace", logged CRITICAL), and so it is for a MONITOR client (also CLIENT_SLAVE), which gets
// the error as a reply and stays connected. The same scenarios on redis-server and on the
// embedded node, outcomes and log lines compared.
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import {readFileSync, existsSync} from 'node:fs'
import path from 'node:path'
import {redisSkip} from '../helpers/redis-server.js'
import {client, embedded, mixedNodes, waitFor} from '../helpers/repl.js'

interface Raw {
  sock: net.Socket
  data(): string
  closed(): boolean
}

function raw(port: number): Promise<Raw> {
  return new Promise((resolve, reject) => {
    let buf = ''
    let closed = false
    const sock = net.connect(port, '127.0.0.1', () => resolve({sock, data: () => buf, closed: () => closed}))
    sock.setEncoding('latin1')
    sock.on('data', (d: string) => (buf += d))
    sock.on('close', () => (closed = true))
    sock.once('error', reject)
  })
}

const cmd = (...a: string[]) => `*${a.length}\r\n${a.map((x) => `$${Buffer.byteLength(x)}\r\n${x}\r\n`).join('')}`

interface Outcome {
  /** the client was disconnected (and its reply, if any, never arrived) */
  closed: boolean
  /** the last line the client read: the reply to the command, or what the sync sent */
  tail: string
  logs: string[]
}

/** Start a sync with `sync` (SYNC or PSYNC), send `argv`, see what the server did and logged. */
async function replicaSends(port: number, logs: () => string[], sync: string[], ...cmds: string[][]): Promise<Outcome> {
  const from = logs().length
  const c = await raw(port)
  c.sock.write(cmd(...sync))
  // PSYNC: the +FULLRESYNC line comes first (no sync delay); SYNC: the link is a replica at once
  if (sync[0] === 'PSYNC') await waitFor(() => /^\+FULLRESYNC [0-9a-f]{40} \d+\r\n/.test(c.data()), 60000, 'FULLRESYNC')
  else await waitFor(() => logs().slice(from).some((l) => /asks for synchronization/.test(l)), 60000, 'SYNC accepted')
  c.sock.write(cmds.map((a) => cmd(...a)).join(''))
  await waitFor(() => c.closed(), 60000, 'replica disconnected')
  const admin = client(port)
  try {
    assert.equal(await admin.ping(), 'PONG')
    // let the sync that was started end before the next scenario (redis waitForBgsave)
    await waitFor(async () => /rdb_bgsave_in_progress:0/.test((await admin.info('persistence')) as string), 60000, 'bgsave done')
  } finally {
    admin.disconnect()
  }
  const tail = c.data().includes(`-ERR`) ? 'error reply' : 'no reply'
  return {closed: c.closed(), tail, logs: pick(logs().slice(from))}
}

/** MONITOR, then a keyspace command: refused with an error reply, the client stays. */
async function monitorSends(port: number, logs: () => string[]): Promise<Outcome> {
  const from = logs().length
  const c = await raw(port)
  c.sock.write(cmd('MONITOR'))
  await waitFor(() => c.data().startsWith('+OK\r\n'), 60000, 'MONITOR')
  c.sock.write(cmd('GET', 'foo'))
  await waitFor(() => c.data().indexOf('\r\n', 5) > 0, 60000, 'GET reply')
  const tail = c.data().slice(5, c.data().indexOf('\r\n', 5) + 2)
  const out = {closed: c.closed(), tail, logs: pick(logs().slice(from))}
  c.sock.destroy()
  return out
}

/** The log lines compared: the reply warning and the CRITICAL line, without the client info. */
function pick(lines: string[]): string[] {
  const out: string[] = []
  for (const l of lines) {
    let m = /(Replica generated a reply to command '[^']*', disconnecting it: )id=\d+ addr=/.exec(l)
    if (m) out.push(m[1])
    m = /(== CRITICAL == This master is sending an error to its replica: .*)$/.exec(l)
    if (m) out.push(m[1])
  }
  return out
}

async function scenarios(port: number, logs: () => string[]): Promise<Record<string, Outcome>> {
  return {
    syncPing: await replicaSends(port, logs, ['SYNC'], ['PING']),
    syncXinfoHelp: await replicaSends(port, logs, ['SYNC'], ['XINFO', 'HELP']),
    psyncGet: await replicaSends(port, logs, ['PSYNC', 'replicationid', '-1'], ['GET', 'foo']),
    psyncSlowlogGet: await replicaSends(port, logs, ['PSYNC', 'replicationid', '-1'], ['SLOWLOG', 'GET']),
    psyncUnknown: await replicaSends(port, logs, ['PSYNC', 'replicationid', '-1'], ['NOSUCHCOMMAND']),
    // CLIENT REPLY OFF: PING makes no reply (nothing logged); CLIENT REPLY ON's +OK is the reply
    psyncReplyOff: await replicaSends(port, logs, ['PSYNC', 'replicationid', '-1'], ['CLIENT', 'REPLY', 'OFF'], ['PING'], ['GET', 'foo'], ['CLIENT', 'REPLY', 'ON']),
    monitorGet: await monitorSends(port, logs),
  }
}

describe('compat: a command on a replica link that produces a reply', {skip: redisSkip()}, () => {
  const m = mixedNodes()

  test('is dropped, logged and the replica freed, on redis-server and the embedded node alike', {timeout: 300000}, async () => {
    const logFile = path.join(m.real.root, 'replica-reply.log')
    const [real] = await m.real.start(1, {cluster: false, extra: ['--logfile', logFile, '--repl-diskless-sync-delay', '0']})
    const realLogs = () => (existsSync(logFile) ? readFileSync(logFile, 'latin1').split('\n').filter((l) => l !== '') : [])
    const embLines: string[] = []
    const emb = await embedded({}, embLines)
    m.nodes.push(emb)
    const want = await scenarios(real.port, realLogs)
    const got = await scenarios(emb.port, () => embLines)
    assert.deepEqual(want.syncPing, {closed: true, tail: 'no reply', logs: ["Replica generated a reply to command 'ping', disconnecting it: "]})
    assert.deepEqual(want.psyncGet.logs, [
      "Replica generated a reply to command 'get', disconnecting it: ",
      "== CRITICAL == This master is sending an error to its replica: 'Replica can't interact with the keyspace' after processing the command 'get'",
    ])
    assert.deepEqual(want.psyncReplyOff.logs, [
      "== CRITICAL == This master is sending an error to its replica: 'Replica can't interact with the keyspace' after processing the command 'get'",
      "Replica generated a reply to command 'client|reply', disconnecting it: ",
    ])
    assert.deepEqual(want.monitorGet, {closed: false, tail: "-ERR Replica can't interact with the keyspace\r\n", logs: []})
    assert.deepEqual(got, want)
  })
})
