// The node's config file and command line the way redis-server reads them (the argv -> config text
// conversion, one-argument configs, FATAL CONFIG FILE ERROR reports) and CONFIG REWRITE keeping the
// old file's structure. The error reports are compared with redis-server 7.0.15's when installed.
import {test, describe} from 'node:test'
import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {ConfigFileError, loadConfig, parseCommandLine} from '../../src/node/config.js'
import {rewriteConfigContent} from '../../src/node/config-rewrite.js'

const REDIS = '/usr/bin/redis-server'

function loadError(argv: string[]): string {
  try {
    loadConfig(argv)
  } catch (e) {
    assert.ok(e instanceof ConfigFileError, String(e))
    return e.message
  }
  assert.fail(`no error for ${argv.join(' ')}`)
}

describe('node config: command line and config file like redis-server', () => {
  test('argv becomes config text the way redis main() builds it', () => {
    assert.equal(parseCommandLine(['--port', '6380']).options, 'port "6380" ')
    assert.equal(parseCommandLine(['--port', '--bla', '--loglevel', 'verbose']).options, 'port "--bla" \nloglevel "verbose" ')
    assert.equal(parseCommandLine(['--maxmemory 700mb', '--maxmemory-policy volatile-lru']).options, 'maxmemory 700mb \nmaxmemory-policy volatile-lru ')
    assert.equal(parseCommandLine(['--save', '--loglevel', 'verbose']).options, 'save ""\nloglevel "verbose" ')
    assert.equal(parseCommandLine(['--loglevel', 'verbose', '--save']).options, 'loglevel "verbose" \nsave ""')
    const p = parseCommandLine(['x.conf', 'loglevel', 'verbose', "--maxmemory '700mb'"])
    assert.equal(p.file, 'x.conf')
    assert.deepEqual(p.directives, [['loglevel', 'verbose'], ['maxmemory', '700mb']])
  })

  test('values: multi-argument configs split one argument, others take exactly one', () => {
    const c = loadConfig(['--shutdown-on-sigint', 'nosave force now', '--save', '100 10', '--save', '200 20', '--proc-title-template', '--save', '--loglevel', 'debug'])
    assert.equal(c.get('save'), '100 10 200 20')
    assert.equal(c.get('loglevel'), 'debug')
    assert.equal(loadConfig(['--save', '', '--port', '7000']).get('save'), '')
    assert.equal(loadConfig(['--client-output-buffer-limit', 'pubsub 1mb 2kb 30']).get('client-output-buffer-limit'), 'normal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 2048 30')
    assert.equal(loadConfig(['--replicaof', '127.0.0.1 7000']).get('replicaof'), '127.0.0.1 7000')
  })

  const cases: string[][] = [
    ['--port'],
    ['--port', '6380', '--loglevel'],
    ['--port', '6379', '6380'],
    ['--port', '--loglevel', 'verbose'],
    ['--port', '--bla', '--loglevel', 'verbose'],
    ['--replicaof', '127.0.0.1', 'abc'],
    ['--replicaof', '--127.0.0.1', 'abc'],
    ['--replicaof', '--127.0.0.1', '--abc'],
    ['--no-such-option', 'x'],
    ['--appendonly', 'maybe'],
  ]
  test('FATAL CONFIG FILE ERROR reports name the line and the reason', () => {
    assert.match(loadError(['--port', '6379', '6380']), /at line 2\n>>> 'port "6379" "6380"'\nwrong number of arguments$/)
    assert.match(loadError(['--port', '--bla', '--loglevel', 'verbose']), />>> 'port "--bla"'\nargument couldn't be parsed into an integer$/)
    assert.match(loadError(['--replicaof', '--127.0.0.1', '--abc']), />>> 'replicaof "--127.0.0.1"'\nwrong number of arguments$/)
    assert.match(loadError(['--replicaof', '127.0.0.1', 'abc']), /Invalid master port$/)
  })

  test('the reports are redis-server 7.0.15 own, word for word', {skip: !existsSync(REDIS) && 'no redis-server'}, () => {
    for (const argv of cases) {
      const r = spawnSync(REDIS, argv, {encoding: 'latin1', timeout: 10_000})
      assert.notEqual(r.status, 0, argv.join(' '))
      assert.equal(loadError(argv), r.stderr.trimEnd(), argv.join(' '))
    }
  })

  test('a config file line with an error is reported with its number', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'redis-ts-cfgfile-'))
    try {
      const conf = path.join(dir, 'redis.conf')
      writeFileSync(conf, '# comment\nport 7000\n\nmaxmemory 1mb 2mb\n')
      assert.match(loadError([conf]), /at line 4\n>>> 'maxmemory 1mb 2mb'\nwrong number of arguments$/)
      assert.match(loadError([path.join(dir, 'missing.conf')]), /^Fatal error, can't open config file '.*missing\.conf': No such file or directory$/)
      writeFileSync(conf, 'list-max-ziplist-entries 10\nrename-command flushdb badger\n')
      assert.deepEqual(loadConfig([conf]).renamedCommands, [['flushdb', 'badger']])
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})

describe('CONFIG REWRITE keeps the old file', () => {
  // The same steps on redis-server 7.0.15 give this file, but for the order of the appended lines
  // (Redis walks its config hash table) and its `user default ...` line (the ACL adds that here).
  test('comments, unknown lines and rename-command stay; changed options replace their lines; new ones follow the signature', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'redis-ts-rewrite-'))
    try {
      const conf = path.join(dir, 'redis.conf')
      const text0 = '# my comment\nport 7000\nhash-max-ziplist-entries 21\nrename-command flushdb badger\nsave 900 1\nsave 300 10\n\n\nmaxmemory 1mb\n'
      writeFileSync(conf, text0)
      const cfg = loadConfig([conf])
      // a line the node does not know (e.g. written by a newer version) is kept as a comment
      writeFileSync(conf, text0.replace('\n\n\n', '\nbogus-directive 1\n\n\n'))
      cfg.set('hash-max-listpack-entries', '100', true)
      cfg.set('save', '', true)
      cfg.set('maxmemory', '0', true)
      cfg.set('loglevel', 'debug', true)
      cfg.set('dir', dir, true)
      const text = rewriteConfigContent(cfg, conf, false)
      assert.equal(
        text,
        [
          '# my comment',
          'port 7000',
          'hash-max-listpack-entries 100',
          'rename-command flushdb badger',
          'save ""',
          '',
          '# ??? bogus-directive 1',
          '',
          'maxmemory 0',
          '',
          '# Generated by CONFIG REWRITE',
          `dir "${dir}"`,
          'loglevel debug',
          'latency-tracking-info-percentiles 50 99 99.9',
          '',
        ].join('\n'),
      )
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })

  test('a forced rewrite of everything loads back to the same values', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'redis-ts-rewrite-'))
    try {
      const conf = path.join(dir, 'redis.conf')
      writeFileSync(conf, `port 7000\ndir ${dir}\nnotify-keyspace-events KEA\nclient-output-buffer-limit pubsub 1mb 0 0\nrequirepass "a b"\n`)
      const cfg = loadConfig([conf])
      cfg.rewrite(true)
      const text = readFileSync(conf, 'latin1')
      assert.match(text, /^client-output-buffer-limit pubsub 1mb 0 0$/m)
      assert.match(text, /^client-output-buffer-limit normal 0 0 0$/m)
      assert.match(text, /^hash-max-listpack-value 64$/m)
      const again = loadConfig([conf])
      for (const name of (cfg.constructor as typeof import('../../src/node/config.js').NodeConfig).canonicalNames()) assert.equal(again.get(name), cfg.get(name), name)
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})
