// The AOF manifest (redis 7.0 aof.c): format, parse, and the rejections redis makes at start-up.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {AofManifest, AofManifestError} from '../../src/node/persistence/aof-manifest.js'

test('a fresh manifest and the rewrite steps format like redis 7.0', () => {
  const m = new AofManifest()
  m.newBase('appendonly.aof', true)
  m.newIncr('appendonly.aof')
  assert.equal(m.format(), 'file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n')
  // BGREWRITEAOF with AOF on: new INCR while the rewrite runs, then the new BASE replaces the old ones.
  m.newIncr('appendonly.aof')
  m.newBase('appendonly.aof', false)
  m.markRewrittenIncrAsHistory(true)
  assert.equal(
    m.format(),
    'file appendonly.aof.2.base.aof seq 2 type b\n' +
      // history as redis orders it (each moved file is added at the head): INCR 1, then BASE 1
      'file appendonly.aof.1.incr.aof seq 1 type h\n' +
      'file appendonly.aof.1.base.rdb seq 1 type h\n' +
      'file appendonly.aof.2.incr.aof seq 2 type i\n',
  )
  assert.equal(AofManifest.parse(m.format()).format(), m.format())
})

test('names that need quoting round-trip through sdscatrepr-style quotes', () => {
  const m = new AofManifest()
  m.newBase('my file"x', true)
  assert.equal(m.format(), 'file "my file\\"x.1.base.rdb" seq 1 type b\n')
  assert.equal(AofManifest.parse(m.format()).base?.name, 'my file"x.1.base.rdb')
})

test('comments and extra key/value pairs are accepted (forward compatibility)', () => {
  const m = AofManifest.parse('# hello\nfile a.1.base.rdb seq 1 type b future x\nfile a.3.incr.aof seq 3 type i\n')
  assert.equal(m.base?.name, 'a.1.base.rdb')
  assert.equal(m.incrSeq, 3)
  assert.equal(m.newIncr('a'), 'a.4.incr.aof')
})

test('redis start-up refusals', () => {
  const bad: [string, string][] = [
    ['', 'Found an empty AOF manifest'],
    ['file a seq 1 type b\nfile b seq 2 type b\n', 'Found duplicate base file information'],
    ['file a seq 2 type i\nfile b seq 2 type i\n', 'Found a non-monotonic sequence number'],
    ['file a seq 1 type z\n', 'Unknown AOF file type'],
    ['file ../a seq 1 type b\n', "File can't be a path, just a filename"],
    ['file a seq 1\n', 'Invalid AOF manifest file format'],
    ['file a seq 0 type b\n', 'Invalid AOF manifest file format'],
    ['\n', 'Invalid AOF manifest file format'],
  ]
  for (const [text, msg] of bad) assert.throws(() => AofManifest.parse(text), (e: Error) => e instanceof AofManifestError && e.message === msg, JSON.stringify(text))
})
