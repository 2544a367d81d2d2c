// The process title from proc-title-template (redis 7.0.15 server.c redisSetProcTitle,
// expandProcTitleTemplate): applied at start and on every CONFIG SET of the template, when
// set-proc-title is yes. {title} is the argv[0] the process was executed with (redis:
// server.exec_argv[0]), process.argv0 here. Node sets the title with libuv's
// uv_set_process_title, which can only overwrite the memory of the original command line: a
// title longer than the node's own command line is cut there (redis's setproctitle also takes
// over the environment's memory; README, "What still differs").
import {resolve} from 'node:path'
import {expandTemplate} from './config.js'
import type {NodeServer} from './server.js'

/** redisProcTitleGetVariable for one variable; null for an unknown name. */
function variable(server: NodeServer, name: string, title: string): string | null {
  const c = server.config
  const port = server.port
  switch (name) {
    case 'title':
      return title
    case 'listen-addr': {
      const bind = c.get('bind').split(/\s+/).filter(Boolean)
      return port !== 0 ? `${bind.length > 0 ? bind[0] : '*'}:${port}` : `unixsocket:${c.get('unixsocket')}`
    }
    case 'server-mode':
      return server.clusterEnabled ? '[cluster]' : ''
    case 'config-file':
      return c.file !== undefined ? resolve(c.file) : ''
    case 'port':
      return String(port)
    case 'tls-port':
      return '0'
    case 'unixsocket':
      return c.get('unixsocket')
    default:
      return null
  }
}

/** expandProcTitleTemplate: the expansion with spaces trimmed at both ends. */
export function procTitle(server: NodeServer, template: string, title = process.argv0): string | null {
  const r = expandTemplate(template, (n) => variable(server, n, title))
  return r === null ? null : r.replace(/^ +| +$/g, '')
}

/** Set the title now and whenever CONFIG SET changes the template (a node run as its own process). */
export function installProcTitle(server: NodeServer): void {
  if (!server.config.bool('set-proc-title')) return
  const apply = () => {
    const t = procTitle(server, server.config.get('proc-title-template'))
    if (t !== null && t.length > 0) process.title = t
  }
  apply()
  server.config.onChange.push((name) => {
    if (name === 'proc-title-template') apply()
  })
}
