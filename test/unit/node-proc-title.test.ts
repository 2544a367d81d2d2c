// proc-title-template expansion (src/node/proc-title.ts, redis 7.0.15 expandProcTitleTemplate):
// every variable, the trim of spaces at both ends, and CONFIG SET's refusal of unknown variables.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {NodeConfig} from '../../src/node/config.js'
import {NodeServer} from '../../src/node/server.js'
import {procTitle} from '../../src/node/proc-title.js'

function serverWith(directives: string[][], file?: string): NodeServer {
  const config = new NodeConfig()
  config.applyDirectives(directives)
  if (file !== undefined) config.file = file
  return new NodeServer({config})
}

test('proc-title-template variables expand as redis-server does', () => {
  const s = serverWith([['port', '0'], ['bind', '127.0.0.1', '-::1'], ['unixsocket', '/tmp/x/socket']], 'rel/redis.conf')
  // port 0 before listening: {listen-addr} names the unix socket, as redis does without a TCP port
  assert.equal(
    procTitle(s, 'TEST {title} {listen-addr} {port} {tls-port} {unixsocket} {config-file}', '/usr/bin/redis-server'),
    `TEST /usr/bin/redis-server unixsocket:/tmp/x/socket 0 0 /tmp/x/socket ${process.cwd()}/rel/redis.conf`,
  )
  // the default template: an empty {server-mode} leaves a trailing space, which is trimmed
  assert.equal(procTitle(s, '{title} {listen-addr} {server-mode}', 'redis-server'), 'redis-server unixsocket:/tmp/x/socket')
  assert.equal(procTitle(s, '  {{literal}} {port}  ', 't'), '{literal}} 0') // sdstemplate: only '{{' is an escape
  assert.equal(procTitle(s, '{invalid-var}', 't'), null)
  // without a config file: '-'; a Sentinel's mode
  const n = serverWith([['port', '0']])
  assert.equal(procTitle(n, '{config-file} {server-mode}', 't'), '-')
  n.config.sentinelMode = true
  assert.equal(procTitle(n, '{title} {server-mode}', 'redis-sentinel'), 'redis-sentinel [sentinel]')
  assert.equal(procTitle(serverWith([['port', '0'], ['cluster-enabled', 'yes']]), '{server-mode}', 't'), '[cluster]')
  // TLS only (port 0, a tls-port): {listen-addr} names the TLS port (redis: port ? port : tls_port)
  const t = serverWith([['port', '0'], ['tls-port', '6380'], ['bind', '127.0.0.1'], ['unixsocket', '/tmp/x/socket']])
  assert.equal(procTitle(t, '{listen-addr} {port} {tls-port}', 't'), '127.0.0.1:6380 0 6380')
})

test('CONFIG SET proc-title-template refuses an unknown variable or an empty result', () => {
  const c = new NodeConfig()
  // validated with an empty {title} and the other variables' real values (redis validateProcTitleTemplate)
  for (const bad of ['{invalid-var}', '{title', '   ', '{title}', ' {title} {server-mode} ']) {
    assert.throws(() => c.set('proc-title-template', bad, true), /template format is invalid or contains unknown variables/, bad)
  }
  for (const good of ['{title} {port}', '{port}', '{listen-addr}']) {
    c.set('proc-title-template', good, true)
    assert.equal(c.get('proc-title-template'), good)
  }
})
