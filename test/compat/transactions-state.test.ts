// WATCH and EXEC against state other connections change: keys that were already expired when
// watched (active expiry off), FLUSHDB/FLUSHALL/SWAPDB over watched keys, a replica that goes
// stale between queuing and EXEC, and maxmemory lowered under a queued transaction.
import {multiClientSuite, type ClientStep} from './multi-client.js'

const transaction = (c: number): ClientStep[] => [[c, 'MULTI'], [c, 'PING'], [c, 'EXEC']]
const stale = (c: number, key: string, value = 'foo'): ClientStep[] => [[c, `SET ${key} ${value} PX 1`], ['sleep', 20]]

multiClientSuite('watch over stale and flushed keys', 2, [
  [0, 'DEBUG SET-ACTIVE-EXPIRE 0'],
  // watched while already expired: FLUSHDB deleting it is no logical change
  ...stale(0, 'x'), [0, 'WATCH x'], [0, 'FLUSHDB'], ...transaction(0),
  // lazily deleted by another client's lookup: no change either
  ...stale(0, 'x'), [0, 'WATCH x'], [1, 'EXISTS x'], ...transaction(0),
  // overwritten by another client: a change
  ...stale(0, 'x'), [0, 'WATCH x'], [1, 'SET x bar'], ...transaction(0),
  // live when watched, expired by EXEC: the transaction fails
  // (500 ms: the key must still be live at WATCH, the next command, on a loaded machine too)
  [0, 'SET x foo PX 500'], [0, 'WATCH x'], ['sleep', 600], ...transaction(0),
  // missing key: FLUSHDB/FLUSHALL do not touch it; an existing one is touched
  [0, 'DEL x'], [0, 'WATCH x'], [0, 'FLUSHDB'], ...transaction(0),
  [0, 'DEL x'], [0, 'WATCH x'], [0, 'FLUSHALL'], ...transaction(0),
  [0, 'SET x 30'], [0, 'WATCH x'], [0, 'FLUSHALL'], ...transaction(0),
  [0, 'SET x 30'], [0, 'WATCH x'], [1, 'FLUSHDB'], ...transaction(0),
  [0, 'SET x 30'], [0, 'WATCH y'], [1, 'FLUSHDB'], ...transaction(0),
  // SWAPDB: stale replaced by nothing, nothing by stale, stale by stale: no change
  [0, 'FLUSHALL'], [0, 'SELECT 1'], ...stale(0, 'x'), [0, 'WATCH x'], [1, 'SWAPDB 0 1'], ...transaction(0),
  [0, 'FLUSHALL'], [0, 'SELECT 0'], ...stale(0, 'x'), [0, 'SELECT 1'], [0, 'WATCH x'], [1, 'SWAPDB 0 1'], ...transaction(0),
  [0, 'FLUSHALL'], [0, 'SELECT 1'], [0, 'SET x foo PX 1'], [0, 'SELECT 0'], ...stale(0, 'x', 'bar'), [0, 'SELECT 1'], [0, 'WATCH x'], [1, 'SWAPDB 0 1'], ...transaction(0),
  // ...a live key on either side is
  [0, 'FLUSHALL'], [0, 'SELECT 0'], [0, 'SET x 30'], [0, 'SELECT 1'], [0, 'WATCH x'], [1, 'SWAPDB 0 1'], ...transaction(0),
  [0, 'FLUSHALL'], [0, 'SELECT 1'], [0, 'SET x 30'], [0, 'WATCH x'], [1, 'SWAPDB 0 1'], ...transaction(0),
  // a stale key replaced by a live one is
  [0, 'FLUSHALL'], [0, 'SELECT 0'], [0, 'SET x live'], [0, 'SELECT 1'], ...stale(0, 'x'), [0, 'WATCH x'], [1, 'SWAPDB 0 1'], ...transaction(0),
  [0, 'SELECT 0'], [0, 'DEBUG SET-ACTIVE-EXPIRE 1'],
])

multiClientSuite('exec on a replica that went stale', 2, [
  [0, 'CONFIG SET replica-serve-stale-data no'],
  [0, 'SET xx 1'],
  [0, 'MULTI'], [0, 'GET xx'], [1, 'REPLICAOF 127.0.0.1 1'], [0, 'EXEC'],
  [0, 'PING'], [0, 'GET xx'], [0, 'ECHO a'], [0, 'SET xx 2'],
  [1, 'REPLICAOF NO ONE'],
  [0, 'MULTI'], [0, 'PING'], [1, 'REPLICAOF 127.0.0.1 1'], [0, 'EXEC'],
  // MULTI itself is allowed on a stale replica; EXEC of commands allowed by then runs
  [0, 'MULTI'], [1, 'REPLICAOF NO ONE'], [0, 'GET xx'], [0, 'EXEC'],
  [0, 'CONFIG SET replica-serve-stale-data yes'],
])

multiClientSuite('exec under maxmemory', 2, [
  [0, 'SET x value'],
  [0, 'MULTI'], [0, 'GET x'], [0, 'PING'], [1, 'CONFIG SET maxmemory 1'], [0, 'EXEC'], [1, 'CONFIG SET maxmemory 0'],
  [0, 'MULTI'], [0, 'SET x 1'], [0, 'GET x'], [1, 'CONFIG SET maxmemory 1'], [0, 'EXEC'], [1, 'CONFIG SET maxmemory 0'],
  [1, 'CONFIG SET maxmemory 1'], [0, 'MULTI'], [0, 'GET x'], [0, 'DISCARD'], [0, 'MULTI'], [0, 'EXEC'], [1, 'CONFIG SET maxmemory 0'],
  [0, 'GET x'],
])
