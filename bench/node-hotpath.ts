// Micro-benchmark of the embedded node's request path without sockets: bytes -> parser ->
// dispatcher -> cluster verdict -> handler -> reply encoder, through a real cluster-enabled
// NodeServer owning all slots and a Session whose socket only counts bytes. Much steadier
// than redis-benchmark on a shared machine, so use it to compare hot-path changes.
// Run: node --import tsx bench/node-hotpath.ts   (env: ROUNDS=7 BATCHES=20000 PIPE=16)
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {Socket} from 'node:net'
import {startNode} from '../src/node/index.js'
import {Session} from '../src/node/session.js'
import {freePortPair} from '../test/helpers/ports.js'
import {sleep} from './lib.js'

const ROUNDS = Number(process.env.ROUNDS ?? 7)
const BATCHES = Number(process.env.BATCHES ?? 20000)
const PIPE = Number(process.env.PIPE ?? 16)

const cmd = (...a: string[]) => `*${a.length}\r\n` + a.map((x) => `$${x.length}\r\n${x}\r\n`).join('')

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'redis-ts-hotpath-'))
  const {busPort} = await freePortPair()
  const node = await startNode({silent: true, overrides: {port: '0', bind: '127.0.0.1', 'cluster-enabled': 'yes', 'cluster-port': String(busPort), dir, save: '', 'cluster-config-file': 'nodes.conf'}})
  let bytes = 0
  const sock = {write: (s: string) => ((bytes += s.length), true), writableLength: 0, remoteAddress: '127.0.0.1', remotePort: 1, localAddress: '127.0.0.1', localPort: 2, end() {}, destroy() {}} as unknown as Socket
  const s = new Session(node.server, sock)
  s.onData(Buffer.from(cmd('CLUSTER', 'ADDSLOTSRANGE', '0', '16383')))
  for (let i = 0; i < 300; i++) {
    s.reply.out = ''
    s.onData(Buffer.from(cmd('CLUSTER', 'INFO')))
    if (s.reply.out.includes('cluster_state:ok') || bytes === 0) break
    await sleep(20)
  }
  // Keys like redis-benchmark's -r: key:000000xxxxxx, 3-byte values.
  const batch = (name: string, round: number) => {
    let out = ''
    for (let i = 0; i < PIPE; i++) {
      const key = 'key:' + String((round * PIPE + i) % 100000).padStart(12, '0')
      out += name === 'SET' ? cmd('SET', key, 'xxx') : cmd('GET', key)
    }
    return Buffer.from(out, 'latin1')
  }
  const rows: string[] = []
  for (const name of ['SET', 'GET']) {
    const bufs = Array.from({length: 64}, (_, i) => batch(name, i))
    const times: number[] = []
    for (let r = 0; r < ROUNDS; r++) {
      const t0 = process.hrtime.bigint()
      // Each batch is a fresh Buffer, like a socket read (the parser keeps no reference to it).
      for (let b = 0; b < BATCHES; b++) s.onData(Buffer.from(bufs[b & 63]))
      times.push(Number(process.hrtime.bigint() - t0) / (BATCHES * PIPE))
    }
    times.sort((a, b) => a - b)
    rows.push(`${name} x${PIPE}/batch: min ${times[0].toFixed(0)} ns/cmd, median ${times[times.length >> 1].toFixed(0)} ns/cmd`)
  }
  console.log(rows.join('\n'))
  await node.stop()
  rmSync(dir, {recursive: true, force: true})
}

await main()
