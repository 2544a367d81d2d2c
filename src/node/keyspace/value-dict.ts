// The dict model of an aggregate value redis keeps as a dict (a hashtable set or hash): created at
// its conversion (presized to the value's length, as setTypeConvert / hashTypeConvertListpack do),
// or, for a hashtable value never seen converting (loaded, RESTOREd, built by *STORE), on first use.
import {attachDict, valueDict, type DictModel} from './dict.js'
import {encodingOf, markConverted} from './encoding.js'
import type {HashValue, SetValue} from './keyspace.js'

/** Convert to the hashtable encoding now: a dict presized to the current length. */
export function convertToDict(v: SetValue | HashValue): DictModel {
  markConverted(v)
  return attachDict(v, () => v.keys(), v.size)
}

/** The value's dict model; undefined while it is in its compact encoding (intset / listpack). */
export function dictOf(v: SetValue | HashValue): DictModel | undefined {
  const d = valueDict(v)
  if (d !== undefined || v.size === 0 || encodingOf(v) !== 'hashtable') return d
  return convertToDict(v)
}
