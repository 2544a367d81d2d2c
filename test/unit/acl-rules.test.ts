// ACL rules without sockets: rule parsing, GETUSER/LIST descriptions, permission checks with
// Redis's key specs, selector merging, the ACL log, and the maxmemory estimate's accounting.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {NodeServer} from '../../src/node/server.js'
import {NodeConfig} from '../../src/node/config.js'
import {ACL_OK, DENIED_CHANNEL, DENIED_CMD, DENIED_KEY} from '../../src/node/acl/acl.js'
import {mergeSelectorArgs} from '../../src/node/acl/user.js'
import {KEY_OVERHEAD} from '../../src/node/keyspace/keyspace.js'

function server(): NodeServer {
  return new NodeServer({config: new NodeConfig()})
}

function check(s: NodeServer, user: string, argv: string[]): number {
  const top = s.commands.lookup(argv[0])!
  const spec = top.subcommands && argv.length > 1 ? s.commands.lookupSub(top, argv[1])! : top
  return s.acl.check(s.acl.users.get(user)!, spec, argv).result
}

test('the default user is unrestricted and described like redis', () => {
  const s = server()
  assert.equal(s.acl.defaultUser.unrestricted, true)
  assert.equal(s.acl.defaultUser.describe(s.acl.universe), 'on nopass ~* &* +@all')
  s.config.set('requirepass', 'pw', true)
  s.acl.updateDefaultPassword('pw')
  assert.equal(s.acl.defaultAuthRequired, true)
  assert.match(s.acl.defaultUser.describe(s.acl.universe), /^on #[0-9a-f]{64} ~\* &\* \+@all$/)
})

test('rules: categories, subtractions and first args are described back', () => {
  const s = server()
  assert.equal(s.acl.setUser('u', ['on', 'nopass', '+@all', '-@string']), null)
  assert.equal(s.acl.users.get('u')!.describe(s.acl.universe), 'on nopass resetchannels +@all -@string')
  assert.equal(s.acl.setUser('v', ['-@all', '+@hash', '+select|0']), null)
  assert.equal(s.acl.users.get('v')!.describe(s.acl.universe), 'off resetchannels -@all +@hash +select|0')
  assert.equal(s.acl.setUser('w', ['+config|get|x']), "Error in ACL SETUSER modifier '+config|get|x': Allowing first-arg of a subcommand is not supported")
  assert.equal(s.acl.setUser('w', ['+nosuch']), "Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in ACL")
  assert.equal(s.acl.setUser('w', ['(+get']), "Unmatched parenthesis in acl selector starting at '(+get'.")
  assert.equal(s.acl.users.has('w'), false, 'a failed SETUSER creates nothing')
})

test('checks: commands, first args, %R/%W key specs, channels, selectors', () => {
  const s = server()
  s.acl.setUser('u', ['on', 'nopass', '+get', '+set', '+select|0', '%R~r*', '%W~w*', '&news.*', '+publish', '(+del ~d*)'])
  assert.equal(check(s, 'u', ['GET', 'r1']), ACL_OK)
  assert.equal(check(s, 'u', ['GET', 'w1']), DENIED_KEY)
  assert.equal(check(s, 'u', ['SET', 'w1', 'x']), ACL_OK, 'SET without GET only writes')
  assert.equal(check(s, 'u', ['SET', 'w1', 'x', 'GET']), DENIED_KEY, 'SET ... GET also reads')
  assert.equal(check(s, 'u', ['SELECT', '0']), ACL_OK)
  assert.equal(check(s, 'u', ['SELECT', '1']), DENIED_CMD)
  assert.equal(check(s, 'u', ['DEL', 'd1']), ACL_OK, 'the selector allows it')
  assert.equal(check(s, 'u', ['DEL', 'r1']), DENIED_KEY)
  assert.equal(check(s, 'u', ['PUBLISH', 'news.1', 'm']), ACL_OK)
  assert.equal(check(s, 'u', ['PUBLISH', 'sport', 'm']), DENIED_CHANNEL)
  assert.equal(check(s, 'u', ['INCR', 'r1']), DENIED_CMD)
})

test('selector arguments are merged like ACLMergeSelectorArguments', () => {
  assert.deepEqual(mergeSelectorArgs(['on', '(+get', '~x)', '>p']), ['on', '(+get ~x)', '>p'])
  assert.equal(mergeSelectorArgs(['(+get', '~x']), 0)
})

test('the keyspace keeps the used-memory estimate of strings incrementally', () => {
  const s = server()
  const db = s.db(0)
  db.set('k', 'abc')
  assert.equal(db.bytes, KEY_OVERHEAD + 1 + 3)
  db.set('k', 'abcdef')
  assert.equal(db.bytes, KEY_OVERHEAD + 1 + 6)
  db.hashForWrite('h').set('f', 'v')
  assert.equal(db.aggregates, 1)
  db.delete('k')
  db.delete('h')
  assert.equal(db.bytes, 0)
  assert.equal(db.aggregates, 0)
})
