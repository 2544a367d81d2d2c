// create/check/call against password-protected, ACL-user and TLS nodes (real redis-server), and a
// TLS cluster of embedded nodes (TLS only: bus, replication and clients) built by `create --replicas 1`.
import {after, describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {RedisNodes, makeCerts, redisSkip} from '../helpers/redis-server.js'
import {runCli} from '../helpers/cli.js'

const skip = redisSkip()

describe('auth and TLS', {skip}, () => {
  const nodes = new RedisNodes()
  after(() => nodes.stop())

  test('password from REDISCLI_AUTH; wrong password is one clear error', async () => {
    const list = await nodes.start(3, {nodeTimeout: 1000, password: 's3cret'})
    const addrs = list.map((n) => n.address)
    const r = await runCli(['create', ...addrs, '--yes', '--json'], {env: {REDISCLI_AUTH: 's3cret'}})
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.doesNotMatch(r.stderr, /command line may not be safe/)
    const c = await runCli(['check', addrs[0]], {env: {REDIS_TS_PASSWORD: 's3cret'}})
    assert.equal(c.code, 0, c.stdout + c.stderr)
    const w = await runCli(['check', addrs[0], '-a', 'wrong'])
    assert.equal(w.code, 4)
    assert.match(w.stderr, /may not be safe/)
    assert.match(w.stderr, /WRONGPASS|invalid password|NOAUTH/i)
    const none = await runCli(['check', addrs[0]])
    assert.equal(none.code, 4)
    assert.match(none.stderr, /NOAUTH/)
  })

  test('ACL user with --user and a password', async () => {
    const list = await nodes.start(3, {nodeTimeout: 1000})
    for (const n of list) {
      await nodes.call(n, 'ACL', 'SETUSER', 'admin', 'on', '>adminpw', '~*', '&*', '+@all')
      await nodes.call(n, 'ACL', 'SETUSER', 'default', 'off')
    }
    const addrs = list.map((n) => n.address)
    const r = await runCli(['create', ...addrs, '--yes', '--user', 'admin'], {env: {REDISCLI_AUTH: 'adminpw'}})
    assert.equal(r.code, 0, r.stdout + r.stderr)
    const c = await runCli(['call', addrs[0], 'ACL', 'WHOAMI', '--user', 'admin', '--json'], {env: {REDISCLI_AUTH: 'adminpw'}})
    assert.equal(c.code, 0, c.stderr)
    assert.ok(JSON.parse(c.stdout).result.results.every((x: {reply: string}) => x.reply === 'admin'))
  })

  test('TLS nodes with --tls --cacert', async () => {
    const tls = makeCerts(nodes.root)
    const list = await nodes.start(3, {nodeTimeout: 1000, tls})
    const addrs = list.map((n) => n.address)
    const plain = await runCli(['check', addrs[0], '--connect-timeout', '1000'])
    assert.notEqual(plain.code, 0)
    const r = await runCli(['create', ...addrs, '--yes', '--tls', '--cacert', tls.ca])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    const c = await runCli(['check', addrs[0], '--tls', '--cacert', tls.ca])
    assert.equal(c.code, 0, c.stdout + c.stderr)
    const insecure = await runCli(['check', addrs[0], '--tls', '--insecure'])
    assert.equal(insecure.code, 0, insecure.stderr)
  })

  test('embedded TLS nodes (TLS only, tls-cluster, tls-replication): create --replicas 1 --tls, check, a replica in sync', async () => {
    const tls = makeCerts(nodes.root)
    const list = await nodes.start(6, {nodeTimeout: 1000, tls, engine: 'embedded'})
    const addrs = list.map((n) => n.address)
    const plain = await runCli(['check', addrs[0], '--connect-timeout', '1000'])
    assert.notEqual(plain.code, 0)
    const r = await runCli(['create', ...addrs, '--replicas', '1', '--yes', '--tls', '--cacert', tls.ca, '--json'])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    const c = await runCli(['check', addrs[0], '--tls', '--cacert', tls.ca])
    assert.equal(c.code, 0, c.stdout + c.stderr)
    assert.match(c.stdout, /All 16384 slots covered/)
    // writes reach the replicas over the TLS replication links
    const info = await runCli(['call', addrs[0], 'INFO', 'replication', '--tls', '--cacert', tls.ca, '--json'])
    assert.equal(info.code, 0, info.stderr)
    const replies = (JSON.parse(info.stdout).result.results as {reply: string}[]).map((x) => x.reply)
    assert.equal(replies.filter((x) => /role:slave/.test(x) && /master_link_status:up/.test(x)).length, 3, replies.join('\n'))
  })
})
