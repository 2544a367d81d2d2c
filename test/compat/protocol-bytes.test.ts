// Raw request bytes on redis-server and an embedded node side by side: every byte sent back and
// whether the connection was closed, for the differences the wire-protocol fuzzer
// (test/compat/fuzz-proto.ts) found — redis's strchr() stopping at a NUL, string2ll's range for *N,
// %s stopping at a NUL in unknown-command errors, protocol errors under CLIENT REPLY OFF/SKIP,
// resetClient after an empty command, RESET after CLIENT REPLY SKIP, HELLO's option order and
// NOAUTH text, and a rejected EXEC outside MULTI.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import net from 'node:net'
import {pairSuite, type Pair} from './harness.js'

interface Got {
  data: string
  closed: boolean
}

/** `parts` written in turn (a pause between them), everything received until close or `quietMs` of silence. */
function exchange(port: number, parts: string[], quietMs = 150): Promise<Got> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let closed = false
    let timer: NodeJS.Timeout | undefined
    const done = () => {
      clearTimeout(timer)
      sock.destroy()
      resolve({data: Buffer.concat(chunks).toString('latin1'), closed})
    }
    const quiet = () => {
      clearTimeout(timer)
      timer = setTimeout(done, quietMs)
    }
    const sock = net.connect(port, '127.0.0.1', async () => {
      for (const p of parts) {
        sock.write(Buffer.from(p, 'latin1'))
        await new Promise((r) => setTimeout(r, 30))
      }
      quiet()
    })
    sock.on('data', (d) => {
      chunks.push(d)
      if (timer !== undefined) quiet()
    })
    sock.on('end', () => {
      closed = true
      done()
    })
    sock.on('error', (e) => (chunks.length ? done() : reject(e)))
  })
}

async function same(p: Pair, parts: string[], expected?: Got): Promise<void> {
  // (HELLO's reply carries the connection's id)
  const id = (g: Got): Got => ({...g, data: g.data.replace(/\$2\r\nid\r\n:\d+\r\n/g, '$2\r\nid\r\n:<id>\r\n')})
  const [theirs, ours] = (await Promise.all([exchange(p.redisPort, parts), exchange(p.ourPort, parts)])).map(id)
  assert.deepEqual(ours, theirs, JSON.stringify(parts))
  if (expected) assert.deepEqual(theirs, expected, 'redis-server itself')
}

const mb = (...argv: string[]) => `*${argv.length}\r\n` + argv.map((a) => `$${a.length}\r\n${a}\r\n`).join('')

pairSuite('request bytes', {}, (p) => {
  test('a NUL before the end of an inline line or a length line hides the line end (redis strchr)', async () => {
    await same(p, ['PING\x00\r\nPING\r\n'], {data: '', closed: false})
    await same(p, ['PING\r\nECHO a\x00b\r\nPING\r\n'], {data: '+PONG\r\n', closed: false})
    await same(p, ['*1\x00\r\n$4\r\nPING\r\n'], {data: '', closed: false})
    await same(p, ['*1\r\n$4\x00\r\nPING\r\n*1\r\n$4\r\nPING\r\n'], {data: '', closed: false})
    await same(p, ['\x00PING\r\n', 'x'.repeat(70000)], {data: '-ERR Protocol error: too big inline request\r\n', closed: true})
    await same(p, ['*\x00\r\n', 'x'.repeat(70000)], {data: '-ERR Protocol error: too big mbulk count string\r\n', closed: true})
    await same(p, ['*1\r\n$\x00\r\n', 'x'.repeat(70000)], {data: '-ERR Protocol error: too big bulk count string\r\n', closed: true})
  })

  test('*N is any long long (string2ll): a count below -2^53 is an empty command, past 20 bytes or -2^63 invalid', async () => {
    await same(p, ['*-9223372036854775808\r\nPING\r\n'], {data: '+PONG\r\n', closed: false})
    await same(p, ['*-9007199254740993\r\n*-2147483649\r\nPING\r\n'], {data: '+PONG\r\n', closed: false})
    for (const n of ['-9223372036854775809', '-09', '99999999999999999999', '9223372036854775807', '-18446744073709551616']) {
      await same(p, [`*${n}\r\nPING\r\n`], {data: '-ERR Protocol error: invalid multibulk length\r\n', closed: true})
    }
  })

  test('CONFIG SET proto-max-bulk-len applies to the connections already open', async () => {
    try {
      await same(p, [mb('CONFIG', 'SET', 'proto-max-bulk-len', '1mb') + '*2\r\n$4\r\nECHO\r\n$1048577\r\n'], {
        data: '+OK\r\n-ERR Protocol error: invalid bulk length\r\n',
        closed: true,
      })
      await same(p, [mb('CONFIG', 'SET', 'proto-max-bulk-len', '2mb') + '*2\r\n$4\r\nECHO\r\n$1048577\r\n'], {data: '+OK\r\n', closed: false})
    } finally {
      await Promise.all([p.redisPort, p.ourPort].map((port) => exchange(port, [mb('CONFIG', 'SET', 'proto-max-bulk-len', '512mb')])))
    }
  })

  test('unknown command errors print the name and arguments up to a NUL (%s)', async () => {
    await same(p, [mb('G\x00ET', 'a\x00b', 'c') + mb('\x00x')])
    await same(p, [mb('CLIENT', 'NO\x00PE')])
  })

  test('a protocol error under CLIENT REPLY OFF/SKIP: no error; closed only when a reply was waiting', async () => {
    // nothing to write: the connection stays open and its input is never read again
    await same(p, [mb('CLIENT', 'REPLY', 'OFF'), '*x\r\n', 'PING\r\n'], {data: '', closed: false})
    await same(p, [mb('CLIENT', 'REPLY', 'SKIP'), '*2\r\n$4\r\nECHO\r\n+3\r\n', mb('CLIENT', 'REPLY', 'ON')], {data: '', closed: false})
    await same(p, [mb('CLIENT', 'REPLY', 'SKIP') + '"unbalanced\r\n'], {data: '', closed: false})
    // a reply of the same read still to write: written, then the connection closes
    await same(p, [mb('PING') + mb('CLIENT', 'REPLY', 'OFF') + '*x\r\n'], {data: '+PONG\r\n', closed: true})
    await same(p, [mb('CLIENT', 'REPLY', 'SKIP') + mb('PING') + '*x\r\n'], {data: '-ERR Protocol error: invalid multibulk length\r\n', closed: true})
  })

  test('QUIT under CLIENT REPLY OFF/SKIP does not close; a stalled client gets no push message', async () => {
    await same(p, [mb('CLIENT', 'REPLY', 'OFF'), mb('QUIT'), mb('PING')], {data: '', closed: false})
    await same(p, [mb('CLIENT', 'REPLY', 'SKIP'), mb('QUIT') + mb('PING')], {data: '', closed: false})
    await same(p, [mb('CLIENT', 'REPLY', 'SKIP') + mb('QUIT')], {data: '', closed: false})
    await same(p, [mb('PING') + mb('CLIENT', 'REPLY', 'OFF') + mb('QUIT')], {data: '+PONG\r\n', closed: true})
    const stalledSubscriber = async (port: number): Promise<Got> => {
      const sub = exchange(port, [mb('SUBSCRIBE', 'pb-ch'), mb('CLIENT', 'REPLY', 'OFF') + '*x\r\n'], 300)
      await new Promise((r) => setTimeout(r, 150))
      await exchange(port, [mb('PUBLISH', 'pb-ch', 'hello')])
      return sub
    }
    const [theirs, ours] = await Promise.all([stalledSubscriber(p.redisPort), stalledSubscriber(p.ourPort)])
    assert.deepEqual(ours, theirs)
  })

  test("a client stalled by a protocol error keeps the bad request and what follows in its query buffer", async () => {
    const listed = async (port: number, bad: string): Promise<string> => {
      const sock = await new Promise<net.Socket>((res) => {
        const s = net.connect(port, '127.0.0.1', () => res(s))
      })
      try {
        sock.write(mb('CLIENT', 'REPLY', 'OFF'))
        await new Promise((r) => setTimeout(r, 50))
        sock.write(bad)
        await new Promise((r) => setTimeout(r, 50))
        sock.write('PING\r\n')
        await new Promise((r) => setTimeout(r, 50))
        const list = await exchange(port, [mb('CLIENT', 'LIST')])
        const line = list.data.split('\n').find((l) => l.includes(`addr=127.0.0.1:${sock.localPort} `)) ?? ''
        return line.split(' ').filter((f) => /^(qbuf|argv-mem|flags|cmd)=/.test(f)).join(' ')
      } finally {
        sock.destroy()
      }
    }
    for (const bad of ['"unbalanced\r\n', "ECHO 'a'b\n", '*x\r\n', '*2\r\n$4\r\nECHO\r\n:1\r\n', '*1\r\n$-3\r\n']) {
      const [theirs, ours] = await Promise.all([listed(p.redisPort, bad), listed(p.ourPort, bad)])
      assert.match(theirs, /flags=c/)
      assert.equal(ours, theirs, JSON.stringify(bad))
    }
  })

  test('an empty command (*0, *-1, a blank line) uses up CLIENT REPLY SKIP', async () => {
    for (const empty of ['\r\n', '\n', '*0\r\n', '*-1\r\n', '  \t\r\n']) {
      await same(p, [mb('CLIENT', 'REPLY', 'SKIP') + empty + mb('PING')], {data: '+PONG\r\n', closed: false})
      await same(p, [mb('CLIENT', 'REPLY', 'SKIP'), empty, mb('ECHO', 'x')], {data: '$1\r\nx\r\n', closed: false})
    }
  })

  test('an empty command ends CLIENT CACHING yes, as any command but CLIENT itself', async () => {
    const info = mb('CLIENT', 'TRACKINGINFO')
    const start = mb('CLIENT', 'TRACKING', 'on', 'OPTIN') + mb('CLIENT', 'CACHING', 'yes')
    await same(p, [start + info])
    await same(p, [start + '\r\n' + info])
    await same(p, [start + '*0\r\n' + info])
  })

  test('RESET right after CLIENT REPLY SKIP is the command whose reply is skipped', async () => {
    await same(p, [mb('CLIENT', 'REPLY', 'SKIP') + mb('RESET') + mb('PING')], {data: '+PONG\r\n', closed: false})
    await same(p, [mb('CLIENT', 'REPLY', 'OFF') + mb('RESET') + mb('PING')], {data: '+RESET\r\n+PONG\r\n', closed: false})
  })

  test('HELLO: options take effect in order, NOAUTH text of 7.0', async () => {
    await same(p, [mb('HELLO', '2', 'SETNAME', 'first', 'bogus') + mb('CLIENT', 'GETNAME') + mb('HELLO', '2', 'x\x00y')])
    await same(p, [mb('HELLO', '2', 'SETNAME', 'n1', 'AUTH', 'default', 'wrong') + mb('CLIENT', 'GETNAME')])
    const [c1, c2] = await Promise.all([exchange(p.redisPort, [mb('CONFIG', 'SET', 'requirepass', 'pw')]), exchange(p.ourPort, [mb('CONFIG', 'SET', 'requirepass', 'pw')])])
    assert.deepEqual([c1.data, c2.data], ['+OK\r\n', '+OK\r\n'])
    try {
      await same(p, [mb('HELLO', '3', 'SETNAME', 'n2') + mb('AUTH', 'pw') + mb('CLIENT', 'GETNAME')])
      await same(p, [mb('HELLO') + mb('EXEC') + mb('EXEC', 'x')])
    } finally {
      await Promise.all([p.redisPort, p.ourPort].map((port) => exchange(port, [mb('AUTH', 'pw') + mb('CONFIG', 'SET', 'requirepass', '')])))
    }
  })

  test('a rejected EXEC is an EXECABORT even outside MULTI (arity, pub/sub context), counted as rejected', async () => {
    await Promise.all([p.redisPort, p.ourPort].map((port) => exchange(port, [mb('CONFIG', 'RESETSTAT')])))
    await same(p, [mb('EXEC', 'x') + mb('MULTI') + mb('EXEC', 'y') + mb('EXEC') + mb('SUBSCRIBE', 'c') + mb('EXEC')])
    const stats = (port: number) => exchange(port, [mb('INFO', 'commandstats')]).then((g) => g.data.split('\r\n').filter((l) => l.startsWith('cmdstat_exec')).map((l) => l.replace(/usec=[^,]*,usec_per_call=[^,]*,/, '')))
    const [a, b] = await Promise.all([stats(p.redisPort), stats(p.ourPort)])
    assert.deepEqual(b, a)
  })
})
