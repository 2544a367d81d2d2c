// Commands refused inside a script count as rejected calls of that command and their error is
// counted once in errorstats (where it arose, not again in the script's error reply), as redis
// 7.0's scriptCall does. Its own file: command statistics live on the command table, which every
// node of one process shares.
import {compatSuite, type Reply} from './harness.js'

const ev = (body: string, ...rest: string[]): string[] => ['EVAL', body, ...(rest.length ? rest : ['0'])]
const infoFields =
  (...names: string[]) =>
  (r: Reply): Reply =>
    typeof r === 'string' ? r.split('\r\n').filter((l) => names.some((n) => l.startsWith(n + ':'))).join('\n') : r
/** cmdstat_<name> without its timings. */
const cmdstat = (name: string) => (r: Reply): Reply => {
  if (typeof r !== 'string') return r
  const line = r.split('\r\n').find((l) => l.startsWith(`cmdstat_${name}:`))
  return line === undefined ? 'absent' : line.replace(/usec=\d+,usec_per_call=[\d.]+,/, '')
}
const DEBUG = {redisArgs: ['--enable-debug-command', 'yes'], nodeOverrides: {'enable-debug-command': 'yes'}}

compatSuite('scripting: refused calls, rejected_calls and errorstats', [
  'CONFIG RESETSTAT',
  'CONFIG SET maxmemory 1',
  ev("return redis.call('set','x','y')", '1', 'x'),
  {cmd: 'INFO errorstats', normalize: infoFields('errorstat_OOM', 'errorstat_ERR')},
  {cmd: 'INFO stats', normalize: infoFields('total_error_replies')},
  {cmd: 'INFO commandstats', normalize: cmdstat('set')},
  {cmd: 'INFO commandstats', normalize: cmdstat('eval')},
  'CONFIG RESETSTAT',
  ev("local t = redis.pcall('set','x','y')\nreturn t['err']", '1', 'x'),
  {cmd: 'INFO errorstats', normalize: infoFields('errorstat_OOM', 'errorstat_ERR')},
  {cmd: 'INFO stats', normalize: infoFields('total_error_replies')},
  {cmd: 'INFO commandstats', normalize: cmdstat('set')},
  {cmd: 'INFO commandstats', normalize: cmdstat('eval')},
  'CONFIG RESETSTAT',
  ev("return redis.pcall('set','x','y')", '1', 'x'),
  {cmd: 'INFO errorstats', normalize: infoFields('errorstat_OOM', 'errorstat_ERR')},
  {cmd: 'INFO stats', normalize: infoFields('total_error_replies')},
  {cmd: 'INFO commandstats', normalize: cmdstat('eval')},
  'CONFIG SET maxmemory 0',
  'CONFIG RESETSTAT',
  ev("return redis.call('select',99)"),
  {cmd: 'INFO errorstats', normalize: infoFields('errorstat_ERR')},
  {cmd: 'INFO stats', normalize: infoFields('total_error_replies')},
  {cmd: 'INFO commandstats', normalize: cmdstat('select')},
  {cmd: 'INFO commandstats', normalize: cmdstat('eval')},
  'CONFIG RESETSTAT',
  ev("return redis.pcall('select',99)['err']"),
  {cmd: 'INFO errorstats', normalize: infoFields('errorstat_ERR')},
  {cmd: 'INFO stats', normalize: infoFields('total_error_replies')},
  'CONFIG RESETSTAT',
  ['EVAL_RO', "return redis.call('set','x','y')", '1', 'x'],
  {cmd: 'INFO errorstats', normalize: infoFields('errorstat_ERR')},
  {cmd: 'INFO commandstats', normalize: cmdstat('set')},
  'CONFIG RESETSTAT',
  ev("return redis.pcall('nosuchcommand')"),
  ev("return redis.error_reply('MY_ERR_CODE custom msg')"),
  {cmd: 'INFO errorstats', normalize: infoFields('errorstat_ERR', 'errorstat_MY_ERR_CODE')},
  {cmd: 'INFO stats', normalize: infoFields('total_error_replies')},
  ev("return redis.call('cluster','reset','hard')"),
  {cmd: 'INFO commandstats', normalize: cmdstat('cluster|reset')},
], DEBUG)
