// The process title from proc-title-template (redis 7.0.15 server.c redisSetProcTitle,
// expandProcTitleTemplate): applied at start when the template is not the default one, and on
// every CONFIG SET of the template, when set-proc-title is yes. {title} is the argv[0] the process was executed with (redis:
// server.exec_argv[0]), process.argv0 here. Node sets the title with libuv's
// uv_set_process_title, which can only overwrite the memory of the original command line: a
// title longer than the node's own command line is cut there (redis's setproctitle also takes
// over the environment's memory; README, "What still differs").
import {expandProcTitle} from './config.js'

const PROC_TITLE_DEFAULT = '{title} {listen-addr} {server-mode}'
import type {NodeServer} from './server.js'

/** The title for `template` on this server ({title}: the argv[0] the process was executed with). */
export function procTitle(server: NodeServer, template: string, title = process.argv0): string | null {
  return expandProcTitle(server.config, template, title, server.port)
}

/** Set the title now and whenever CONFIG SET changes the template (a node run as its own process). */
export function installProcTitle(server: NodeServer): void {
  if (!server.config.bool('set-proc-title')) return
  const apply = () => {
    const t = procTitle(server, server.config.get('proc-title-template'))
    if (t !== null && t.length > 0) process.title = t
  }
  // The default template is not applied at start: the node keeps the command line it was started
  // with (local clusters and supervisors identify nodes by it, e.g. `main.cjs --warm`); a
  // configured template is, and so is every CONFIG SET of it.
  if (server.config.get('proc-title-template') !== PROC_TITLE_DEFAULT) apply()
  server.config.onChange.push((name) => {
    if (name === 'proc-title-template') apply()
  })
}
