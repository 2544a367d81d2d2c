// The CLI against a node that misbehaves (reliability.md #22): garbage CLUSTER NODES, a reply that
// announces 2^31 elements, a 4 GB bulk, a node that never answers. Each must end with one clear error
// line and a non-zero exit, quickly (command timeout), without memory growth, and nothing is mutated.
import {after, before, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {createServer, type Server} from 'node:net'
import {RequestParser} from '../../src/resp/parser.js'
import {runCli} from '../helpers/cli.js'

type Mode = 'garbage-nodes' | 'huge-array' | 'huge-bulk' | 'silent'

/** A fake node: PING and CLIENT answer normally, everything else per `mode`; records commands. */
function fakeNode(mode: Mode, seen: string[]): Promise<{server: Server; port: number}> {
  const server = createServer((s) => {
    const parser = new RequestParser()
    s.on('error', () => {})
    s.on('data', (d) => {
      parser.feed(d)
      for (;;) {
        const argv = parser.next()
        if (argv === null || !Array.isArray(argv)) break
        const name = argv.map((a) => a.toUpperCase()).slice(0, 2).join(' ')
        seen.push(name)
        if (argv[0].toUpperCase() === 'PING') s.write('+PONG\r\n')
        else if (argv[0].toUpperCase() === 'CLIENT') s.write('+OK\r\n')
        else if (mode === 'garbage-nodes') {
          const body = name === 'CLUSTER NODES' ? 'this is not a cluster nodes line\n' : 'cluster_state:ok\r\n'
          s.write(`$${body.length}\r\n${body}\r\n`)
        } else if (mode === 'huge-array') s.write('*2147483647\r\n')
        else if (mode === 'huge-bulk') s.write('$4294967296\r\n')
        // silent: never answers
      }
    })
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({server, port: (server.address() as {port: number}).port})))
}

const MUTATING = /^(CLUSTER (ADDSLOTS|ADDSLOTSRANGE|DELSLOTS|SETSLOT|MEET|FORGET|REPLICATE|RESET|SET-CONFIG-EPOCH|BUMPEPOCH)|CONFIG SET|MIGRATE|FLUSHALL|DEL)/

describe('CLI against a misbehaving node', () => {
  const servers: Server[] = []
  after(() => servers.forEach((s) => s.close()))

  for (const mode of ['garbage-nodes', 'huge-array', 'huge-bulk', 'silent'] as Mode[]) {
    for (const cmd of [['check'], ['fix', '--yes'], ['reshard', '--from', 'all', '--to', 'ffff', '--slots', '1', '--yes']]) {
      test(`${cmd[0]} with ${mode}: one error line, non-zero exit, nothing mutated`, async () => {
        const seen: string[] = []
        const {server, port} = await fakeNode(mode, seen)
        servers.push(server)
        const t0 = Date.now()
        const r = await runCli([cmd[0], `127.0.0.1:${port}`, ...cmd.slice(1), '--command-timeout', '1000'])
        assert.notEqual(r.code, 0)
        assert.notEqual(r.code, null)
        assert.ok(Date.now() - t0 < 15000, `took ${Date.now() - t0} ms`)
        const errors = r.stderr.split('\n').filter((l) => l.startsWith('Error:'))
        assert.equal(errors.length, 1, r.stderr)
        assert.deepEqual(seen.filter((c) => MUTATING.test(c)), [])
      })
    }
  }
})
