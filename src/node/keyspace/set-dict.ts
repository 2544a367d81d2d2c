// The dict model (dict.ts) of hashtable-encoded sets, and the set operations that move it the way
// redis 7.0.15's t_set.c moves its dict: setTypeAdd (intset -> hashtable conversions presize the
// dict to the intset's length, setTypeConvert), setTypeRemove (dictDelete, then htNeedsResize +
// dictResize), setTypeIsMember (dictFind) and setTypeRandomElement (dictGetFairRandomKey: up to 15
// rehash steps). A set with no model yet that is hashtable-encoded (loaded, RESTOREd, built by a
// *STORE) gets one presized to its length, as rdbLoadObject builds it.
import {attachDict, dictRemoved, DictModel, randomPickSteps, valueDict} from './dict.js'
import {isInt64String, markConverted} from './encoding.js'
import {convertToDict, dictOf} from './value-dict.js'
import {LIMITS} from '../persistence/rdb-primitives.js'
import {pickAdded, pickRemoved} from './random-pick.js'
import type {SetValue} from './keyspace.js'

/** The set's dict model; undefined while the set is an intset. */
export const setDict: (s: SetValue) => DictModel | undefined = dictOf
const convert = convertToDict

/** setTypeAdd: true when added. */
export function setAdd(s: SetValue, m: string): boolean {
  let d = valueDict(s)
  if (d === undefined) {
    if (s.size === 0) {
      // setTypeCreate: a non-integer first member makes an empty dict, which the add grows to 4
      if (isInt64String(m)) return intsetAdd(s, m)
      markConverted(s)
      d = attachDict(s, () => s.values(), 'empty')
    } else {
      d = setDict(s)
      if (d === undefined) {
        if (isInt64String(m)) return intsetAdd(s, m)
        d = convert(s)
      }
    }
  }
  if (s.has(m)) {
    d.probeAdd()
    return false
  }
  d.add(m)
  s.add(m)
  pickAdded(s, m)
  return true
}

/** An intset add: past set-max-intset-entries the set converts, presized to its new length. */
function intsetAdd(s: SetValue, m: string): boolean {
  if (s.has(m)) return false
  s.add(m)
  pickAdded(s, m)
  if (s.size > Math.min(LIMITS.setMaxIntsetEntries, 1 << 30)) convert(s)
  return true
}

/** setTypeRemove: true when removed. */
export function setRemove(s: SetValue, m: string): boolean {
  const d = setDict(s) // before the delete: a model created now counts the member
  const removed = s.delete(m)
  if (removed) pickRemoved(s, m)
  return dictRemoved(d, removed, m)
}

/** setTypeIsMember. */
export function setHas(s: SetValue, m: string): boolean {
  setDict(s)?.touch()
  return s.has(m)
}

/** The rehash steps of `picks` setTypeRandomElement calls (the pick itself is the caller's). */
export function setRandomSteps(s: SetValue, picks: number): void {
  const d = setDict(s)
  if (d !== undefined) randomPickSteps(d, picks)
}

/**
 * SPOP's CASE 3 keeps a new set built from the remaining members (setTypeCreate + setTypeAdd
 * each): the dict is the one those adds grow, in `order`.
 */
export function setRebuilt(s: SetValue, order: Iterable<string>): void {
  if (valueDict(s) === undefined) return
  const tmp: SetValue = new Set()
  const d = attachDict(s, () => tmp.values(), 'empty')
  for (const m of order) {
    d.add(m)
    tmp.add(m)
  }
  d.rebind(() => s.values())
}
