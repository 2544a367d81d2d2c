// Benchmark: SSCAN on a big hashtable set that is being written to, the embedded node in this
// process (no sockets, as bench/dict-stall.ts). redis-server's SSCAN is O(COUNT) whatever changed
// since the previous call; a scan that re-sorted the set by bucket after every change paid
// O(n log n) on each call after a write.
// Per set size (members m:0..), after filling it with SADDs:
// - the first SSCAN s 0 COUNT 10 (builds the bucket order), and a repeated one with no change;
// - SSCAN COUNT 10 right after one SADD of a new member / one SREM (ROUNDS of each, the cursor
//   carried on): median and max per call;
// - SADD of a new member: mean per command on the scanned set (its changes tracked for the scan
//   order) and on a set of the same size never scanned;
// - unless CYCLE=0: a whole SSCAN COUNT 10 loop (cursor 0 back to 0) with one SADD before every call,
//   total CPU and calls.
// CPU time from process.cpuUsage (microseconds; includes V8's GC threads), not wall clock: the
// machine is shared.
// Run: npm run build && node --import tsx bench/scan-churn.ts
// Options (env): SIZES=100000,500000,1000000 ROUNDS=20 ADDS=20000 CYCLE=1
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import type {Socket} from 'node:net'
import {startNode} from '../src/node/index.js'
import {Session} from '../src/node/session.js'

const SIZES = (process.env.SIZES ?? '100000,500000,1000000').split(',').filter(Boolean).map(Number)
const ROUNDS = Number(process.env.ROUNDS ?? 20)
const ADDS = Number(process.env.ADDS ?? 20000)
const CYCLE = process.env.CYCLE !== '0'

const cmd = (...a: string[]) => `*${a.length}\r\n` + a.map((x) => `$${x.length}\r\n${x}\r\n`).join('')

/** CPU microseconds (user + system) of this process. */
function cpuUs(): number {
  const u = process.cpuUsage()
  return u.user + u.system
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[s.length >> 1]
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'redis-ts-scan-churn-'))
  const node = await startNode({silent: true, overrides: {port: '0', bind: '127.0.0.1', dir, save: ''}})
  let written = ''
  const sock = {write: (b: string | Buffer) => ((written += b.toString()), true), writableLength: 0, remoteAddress: '127.0.0.1', remotePort: 1, localAddress: '127.0.0.1', localPort: 2, end() {}, destroy() {}} as unknown as Socket
  const s = new Session(node.server, sock)
  /** One command's reply and its CPU microseconds. */
  const call = (...a: string[]): {out: string; us: number} => {
    const buf = Buffer.from(cmd(...a), 'latin1')
    s.reply.out = ''
    written = ''
    const c0 = cpuUs()
    s.onData(buf)
    const us = cpuUs() - c0
    return {out: written + s.reply.out, us}
  }
  const sscan = (key: string, cursor: string): {cursor: string; us: number} => {
    const r = call('SSCAN', key, cursor, 'COUNT', '10')
    const m = /^\*2\r\n\$\d+\r\n(\d+)\r\n/.exec(r.out)
    if (m === null) throw new Error(`SSCAN reply ${JSON.stringify(r.out.slice(0, 80))}`)
    return {cursor: m[1], us: r.us}
  }
  const fill = (key: string, n: number) => {
    for (let i = 0; i < n; i += 1000) {
      const members: string[] = []
      for (let j = i; j < Math.min(n, i + 1000); j++) members.push(`m:${j}`)
      call('SADD', key, ...members)
    }
  }
  const ms = (us: number) => (us / 1000).toFixed(us < 10_000 ? 3 : 1)
  const rows: string[] = []
  try {
    for (const n of SIZES) {
      call('FLUSHALL')
      fill('s', n)
      fill('cold', n)
      const first = sscan('s', '0')
      const again = sscan('s', '0')
      let cursor = first.cursor
      const afterAdd: number[] = []
      const afterRem: number[] = []
      for (let i = 0; i < ROUNDS; i++) {
        call('SADD', 's', `new:${i}`)
        let r = sscan('s', cursor)
        afterAdd.push(r.us)
        call('SREM', 's', `m:${i * 7}`)
        r = sscan('s', r.cursor)
        afterRem.push(r.us)
        cursor = r.cursor
      }
      let hot = 0
      let cold = 0
      // alternating blocks, so that warm-up and GC fall on both alike
      for (let b = 0; b < ADDS; b += 1000) {
        for (let i = b; i < b + 1000; i++) hot += call('SADD', 's', `hot:${i}`).us
        for (let i = b; i < b + 1000; i++) cold += call('SADD', 'cold', `hot:${i}`).us
      }
      let cycle = '-'
      if (CYCLE) {
        let calls = 0
        let total = 0
        let c = '0'
        do {
          total += call('SADD', 's', `cycle:${calls}`).us
          const r = sscan('s', c)
          total += r.us
          c = r.cursor
          calls++
        } while (c !== '0')
        cycle = `${(total / 1e6).toFixed(2)} s / ${calls.toLocaleString('en-US')} calls`
      }
      const row = `| ${n.toLocaleString('en-US')} | ${ms(first.us)} | ${ms(again.us)} | ${ms(median(afterAdd))} / ${ms(Math.max(...afterAdd))} | ${ms(median(afterRem))} / ${ms(Math.max(...afterRem))} | ${(hot / ADDS).toFixed(2)} / ${(cold / ADDS).toFixed(2)} | ${cycle} |`
      rows.push(row)
      process.stderr.write(row + '\n')
    }
  } finally {
    await node.stop()
    rmSync(dir, {recursive: true, force: true})
  }
  console.log(`SSCAN COUNT 10 on a set being written to, embedded node in process: CPU ms per call (process.cpuUsage)\n`)
  console.log(`| members | first SSCAN | repeated, no change | after one SADD (median / max of ${ROUNDS}) | after one SREM (median / max) | SADD µs: scanned set / never scanned | whole SSCAN loop, one SADD before each call |`)
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
  console.log(rows.join('\n'))
}

await main()
