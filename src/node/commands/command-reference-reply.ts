// COMMAND / COMMAND INFO / COMMAND DOCS entries as redis-server 7.0.15 writes them: flags in its
// order (including skip_monitor, may-be-hidden ones left out), tips, key specs with notes, the
// legacy first/last/step range, and the full docs tree (summary, since, group, complexity,
// history, arguments). The data is generated from the server's own replies
// (command-reference.ts); arity and subcommands come from the node's registration table, so a
// command the node lacks is not advertised. Commands Redis 7.0 does not have (CLIENT SETINFO,
// Sentinel-only ones) fall back to the table-derived entry in introspection.ts.
import type {RespWriter} from '../../resp/writer.js'
import type {CommandSpec} from './types.js'
import {COMMAND_DOCS_JSON, COMMAND_INFO_JSON} from './command-reference.js'

type Tree = string | number | null | Tree[] | {map: Tree[]} | {set: Tree[]}

let info: Record<string, Tree[]> | null = null
let docs: Record<string, {map: Tree[]}> | null = null

export function referenceInfoTable(): Record<string, Tree[]> {
  info ??= JSON.parse(COMMAND_INFO_JSON) as Record<string, Tree[]>
  return info
}

export function referenceInfo(fullname: string): Tree[] | undefined {
  return referenceInfoTable()[fullname]
}

export function referenceDocs(fullname: string): {map: Tree[]} | undefined {
  docs ??= JSON.parse(COMMAND_DOCS_JSON) as Record<string, {map: Tree[]}>
  return docs[fullname]
}

export function writeTree(r: RespWriter, t: Tree): void {
  if (typeof t === 'string') {
    if (t.charCodeAt(0) === 43) r.simple(t.slice(1))
    else r.bulk(t)
  } else if (typeof t === 'number') r.integer(t)
  else if (t === null) r.nil()
  else if (Array.isArray(t)) {
    r.array(t.length)
    for (const x of t) writeTree(r, x)
  } else if ('map' in t) {
    r.map(t.map.length / 2)
    for (const x of t.map) writeTree(r, x)
  } else {
    r.set(t.set.length)
    for (const x of t.set) writeTree(r, x)
  }
}

/**
 * The 10-field COMMAND INFO entry from the reference (false when Redis 7.0 has no such command).
 * `writeSub` writes one subcommand entry (the caller's writer, which may fall back).
 */
export function writeReferenceInfo(r: RespWriter, spec: CommandSpec, fullname: string, writeSub: (s: CommandSpec, fullname: string) => void): boolean {
  const ref = referenceInfo(fullname)
  if (ref === undefined) return false
  r.array(10)
  r.bulk(fullname)
  r.integer(spec.arity)
  for (let i = 2; i < 9; i++) writeTree(r, ref[i])
  writeSubcommands(r, spec, fullname, writeSub, false)
  return true
}

/** Redis: an empty set when the command has no subcommands, else an array (INFO) or a map (DOCS). */
export function writeSubcommands(r: RespWriter, spec: CommandSpec, fullname: string, writeSub: (s: CommandSpec, fullname: string) => void, asMap: boolean): void {
  const subs = spec.subcommands
  if (!subs || subs.length === 0) return r.set(0)
  if (asMap) r.map(subs.length)
  else r.array(subs.length)
  for (const s of subs) {
    const sub = `${fullname}|${s.name}`
    if (asMap) r.bulk(sub)
    writeSub(s, sub)
  }
}

/** The COMMAND DOCS map of one command from the reference (false when Redis 7.0 has none). */
export function writeReferenceDocs(r: RespWriter, spec: CommandSpec, fullname: string, writeSub: (s: CommandSpec, fullname: string) => void): boolean {
  const ref = referenceDocs(fullname)
  if (ref === undefined) return false
  const hasSubs = (spec.subcommands?.length ?? 0) > 0
  r.map(ref.map.length / 2 + (hasSubs ? 1 : 0))
  for (const x of ref.map) writeTree(r, x)
  if (hasSubs) {
    r.bulk('subcommands')
    writeSubcommands(r, spec, fullname, writeSub, true)
  }
  return true
}
