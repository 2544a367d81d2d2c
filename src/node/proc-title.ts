// The process title from proc-title-template (redis 7.0.15 server.c redisSetProcTitle,
// expandProcTitleTemplate): applied at start when the template is not the default one, and on
// every CONFIG SET of the template, port or bind, when set-proc-title is yes. {title} is the argv[0]
// the process was executed with (redis: server.exec_argv[0]), process.argv0 here. The title is
// written as redis's setproctitle leaves it, over the original argv and environment strings
// (proc-title-mem.ts), so /proc/<pid>/cmdline and `ps` read the whole title, up to redis's 255
// bytes; where that is not possible (not Linux, /proc/self/mem not writable) Node's process.title,
// which only reuses the argv memory: a longer title is cut there.
import {expandProcTitle} from './config.js'
import {writeProcTitle} from './proc-title-mem.js'
import type {NodeServer} from './server.js'

const PROC_TITLE_DEFAULT = '{title} {listen-addr} {server-mode}'
// config values are byte strings (latin1); argv0 is decoded from UTF-8
const ARGV0 = Buffer.from(process.argv0, 'utf8').toString('latin1')

/** The title for `template` on this server ({title}: the argv[0] the process was executed with). */
export function procTitle(server: NodeServer, template: string, title = ARGV0): string | null {
  return expandProcTitle(server.config, template, title, server.port)
}

/** redisSetProcTitle: the current template's title, written over the command line. */
export function setProcTitle(server: NodeServer, write = writeProcTitle): void {
  const t = procTitle(server, server.config.get('proc-title-template'))
  if (t === null || t.length === 0) return
  if (!write(Buffer.from(t, 'latin1'))) process.title = t
}

/** Set the title now and whenever CONFIG SET changes the template (a node run as its own process). */
export function installProcTitle(server: NodeServer): void {
  if (!server.config.bool('set-proc-title')) return
  // The default template is not applied at start: the node keeps the command line it was started
  // with (local clusters and supervisors identify nodes by it, e.g. `main.cjs --warm`); a
  // configured template is, and so is every CONFIG SET of it, and every move of the listeners by
  // CONFIG SET port / bind (redis changeListenPort, changeBindAddr).
  if (server.config.get('proc-title-template') !== PROC_TITLE_DEFAULT) setProcTitle(server)
  server.config.onChange.push((name) => {
    if (name === 'proc-title-template') setProcTitle(server)
  })
  server.on('relisten', () => setProcTitle(server))
}
