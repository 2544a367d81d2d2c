// Per-key lists built in one pass (slots by source, by target, by node): append in place. Copying the
// list for each added element (`map.set(k, [...(map.get(k) ?? []), v])`) is quadratic in the slots
// of a key — 164 MB of garbage for a 4096-slot reshard (README: local clusters, eleventh pass).

/** Append `value` to the list under `key`, creating the list on first use. */
export function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key)
  if (list) list.push(value)
  else map.set(key, [value])
}
