// The dict model (dict.ts) of hashtable-encoded hashes, moved the way redis 7.0.15's t_hash.c moves
// its dict: hashTypeTryConversion converts before a write whose field or value is longer than
// hash-max-listpack-value, hashTypeSet converts after a write past hash-max-listpack-entries (both
// presize the dict to the hash's length, hashTypeConvertListpack; hashTypeSet converts before a
// long field or value of its own, for HINCRBY*), an HT write is a dictFind then a
// dictAdd or an update, hashTypeDelete shrinks under 10% fill, lookups and random picks step the
// rehash. A hashtable hash with no model yet (loaded, RESTOREd) gets one presized to its length.
import {attachDict, dictRemoved, randomPickSteps, valueDict, type DictModel} from './dict.js'
import {convertToDict, dictOf} from './value-dict.js'
import {LIMITS} from '../persistence/rdb-primitives.js'
import {pickAdded, pickRemoved} from './random-pick.js'
import type {HashValue} from './keyspace.js'

/** The hash's dict model; undefined while the hash is a listpack. */
export const hashDict: (h: HashValue) => DictModel | undefined = dictOf
const convert = convertToDict

/** hashTypeTryConversion before a write of argv[start..]: a long field or value converts first. */
export function hashPrepareWrite(h: HashValue, argv: string[], start: number): void {
  if (hashDict(h) !== undefined) return
  const max = LIMITS.hashMaxListpackValue
  for (let i = start; i < argv.length; i++) {
    if (argv[i].length > max) {
      convert(h)
      return
    }
  }
}

/** hashTypeSet: true when the field was created. */
export function hashWrite(h: HashValue, f: string, v: string): boolean {
  let d = hashDict(h)
  // hashTypeSet converts first when the field or value is too long (HINCRBY*: nothing converted earlier)
  if (d === undefined && (f.length > LIMITS.hashMaxListpackValue || v.length > LIMITS.hashMaxListpackValue)) d = convert(h)
  if (d === undefined) {
    const created = !h.has(f)
    h.set(f, v)
    if (created) pickAdded(h, f)
    if (h.size > LIMITS.hashMaxListpackEntries) convert(h)
    return created
  }
  d.touch()
  if (h.has(f)) {
    h.set(f, v)
    return false
  }
  d.add(f)
  h.set(f, v)
  pickAdded(h, f)
  return true
}

/** hashTypeDelete: true when removed. */
export function hashDelete(h: HashValue, f: string): boolean {
  const d = hashDict(h) // before the delete: a model created now counts the member
  const removed = h.delete(f)
  if (removed) pickRemoved(h, f)
  return dictRemoved(d, removed, f)
}

/** hashTypeGetValue: the value, with the lookup's rehash step. */
export function hashLookup(h: HashValue, f: string): string | undefined {
  hashDict(h)?.touch()
  return h.get(f)
}

/** The rehash steps of `picks` hashTypeRandomElement calls. */
export function hashRandomSteps(h: HashValue, picks: number): void {
  const d = hashDict(h)
  if (d !== undefined) randomPickSteps(d, picks)
}
