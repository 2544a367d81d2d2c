// oclif command_not_found hook: `redis-ts chek 127.0.0.1:7000` names the typo alone (not glued to its
// argument, as oclif's id joining does) and suggests the closest command; exit 2 like any usage error.
import type {Hook} from '@oclif/core'
import {suggestCommand} from './errors.js'

const hook: Hook<'command_not_found'> = async function (opts) {
  const words = process.argv.slice(2).filter((w) => !w.startsWith('-'))
  const ids = opts.config.commands.filter((c) => !c.hidden).map((c) => c.id)
  const s = suggestCommand(words, ids)
  const typed = (s?.typed ?? words[0] ?? opts.id).replace(/:/g, ' ')
  const bin = opts.config.bin
  process.stderr.write(`Error: "${typed}" is not a ${bin} command.${s ? ` Did you mean "${s.id.replace(/:/g, ' ')}"?` : ''}\n`)
  if (s) process.stderr.write(`Hint: ${bin} ${s.id.replace(/:/g, ' ')}${s.rest.length ? ' ' + s.rest.join(' ') : ''}   (${bin} --help lists every command)\n`)
  else process.stderr.write(`Hint: ${bin} --help lists every command\n`)
  process.exit(2)
}

export default hook
