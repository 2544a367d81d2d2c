// The runtime's value imports only point down (issue 7): no cycle among src/ modules once
// `import type` / all-`type` named imports are ignored (they vanish at compile time).
// Dynamic import() is lazy and not followed.
import {test} from 'node:test'
import assert from 'node:assert/strict'
import {readFileSync, readdirSync, statSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'

const root = resolve(import.meta.dirname, '../../src')

function valueImports(file: string): string[] {
  const src = readFileSync(file, 'utf8')
  const out: string[] = []
  for (const m of src.matchAll(/^(?:import|export)\s+(type\s+)?([^'"]*?)\s*from\s*'(\.[^']+)'/gms)) {
    if (m[1]) continue
    const braces = /\{([^}]*)\}/.exec(m[2])
    const onlyBraces = braces !== null && m[2].trim().startsWith('{')
    if (onlyBraces && braces[1].split(',').map((s) => s.trim()).filter(Boolean).every((s) => s.startsWith('type '))) continue
    out.push(resolve(dirname(file), m[3].replace(/\.js$/, '.ts')))
  }
  return out
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n)
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : []
  })
}

test('src/ has no value-import cycle', () => {
  const graph = new Map(tsFiles(root).map((f) => [f, valueImports(f)]))
  const state = new Map<string, 'open' | 'done'>()
  const cycles: string[] = []
  const visit = (f: string, path: string[]): void => {
    if (state.get(f) === 'done') return
    if (state.get(f) === 'open') {
      cycles.push([...path.slice(path.indexOf(f)), f].map((p) => p.slice(root.length + 1)).join(' -> '))
      return
    }
    state.set(f, 'open')
    for (const d of graph.get(f) ?? []) visit(d, [...path, f])
    state.set(f, 'done')
  }
  for (const f of graph.keys()) visit(f, [])
  assert.deepEqual(cycles, [])
})
