// Every command spec has one object shape (src/node/commands/types.ts cmd): the dispatcher's
// property loads stay monomorphic, and neither registration nor a command's first call (INFO
// commandstats) adds a field that would deoptimise the dispatcher in a running node.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {CommandTable} from '../../src/node/commands/index.js'
import {standaloneClusterCommands} from '../../src/node/commands/cluster.js'
import type {CommandSpec} from '../../src/node/commands/types.js'

const fieldsOf = (s: CommandSpec) => Object.keys(s).join(',')

test('every command spec, subcommands included, has the same fields in the same order', () => {
  const table = new CommandTable()
  table.register(standaloneClusterCommands(), 'cluster')
  const all = table.all().flatMap((s) => [s, ...(s.subcommands ?? [])])
  assert.ok(all.length > 300, `${all.length} specs`)
  const shapes = new Map<string, string[]>()
  for (const s of all) shapes.set(fieldsOf(s), [...(shapes.get(fieldsOf(s)) ?? []), s.fullname ?? s.name])
  assert.equal(shapes.size, 1, [...shapes].map(([k, v]) => `${k}: ${v.slice(0, 5).join(' ')}`).join('\n'))
  const [fields] = [...shapes.keys()]
  // what the table and the first call fill in later is there from the start
  for (const f of ['group', 'fullname', 'categories', 'stats']) assert.ok(fields.split(',').includes(f), f)
})
