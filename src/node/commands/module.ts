// MODULE (redis 7.0 module.c) for a server that cannot load modules: LIST is empty, LOAD/LOADEX
// fail as a failed dlopen does, UNLOAD finds nothing. LOAD/LOADEX/UNLOAD are protected commands,
// gated by enable-module-command like DEBUG by enable-debug-command (in the dispatcher,
// src/node/protected.ts).
import {cmd, helpSubcommand, type CommandSpec, type Handler} from './types.js'

const HELP = [
  'MODULE <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'LIST',
  '    Return a list of loaded modules.',
  'LOAD <path> [<arg> ...]',
  '    Load a module library from <path>, passing to it any optional arguments.',
  'LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]',
  '    Load a module library from <path>, while passing it module configurations and optional arguments.',
  'UNLOAD <name>',
  '    Unload a module.',
  'HELP',
  '    Prints this help.',
]

const loadFailed: Handler = (ctx) => ctx.reply.error('ERR Error loading the extension. Please check the server logs.')
const A = ['admin', 'noscript'] as const
const P = [...A, 'protected'] as const

export const commands: CommandSpec[] = [
  {
    ...cmd('module', -2, [], 0, () => undefined),
    subcommands: [
      cmd('list', 2, [...A], 0, (ctx) => ctx.reply.array(0)),
      cmd('load', -3, [...P], 0, loadFailed),
      cmd('loadex', -3, [...P], 0, loadFailed),
      cmd('unload', 3, [...P], 0, (ctx) => ctx.reply.error('ERR Error unloading module: no such module with that name')),
      helpSubcommand(HELP),
    ],
  },
]
