// Commands refused inside a script count as rejected calls of that command and their error is
// counted once in errorstats (where it arose, not again in the script's error reply), as redis
// 7.0's scriptCall does. Its own file: command statistics live on the command table, which every
// node of one process shares.
import {compatSuite, type Reply, type Step} from './harness.js'

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

/** One case: CONFIG RESETSTAT, the calls, then the INFO probes — the errorstat_<error> lines,
 *  total_error_replies (unless `stats` is false) and cmdstat_<name> of each of `cmds`. */
const statsCase = (calls: Step[], errors: string[], {stats = true, cmds = []}: {stats?: boolean; cmds?: string[]} = {}): Step[] => [
  'CONFIG RESETSTAT',
  ...calls,
  {cmd: 'INFO errorstats', normalize: infoFields(...errors.map((e) => `errorstat_${e}`))},
  ...(stats ? [{cmd: 'INFO stats', normalize: infoFields('total_error_replies')}] : []),
  ...cmds.map((name) => ({cmd: 'INFO commandstats', normalize: cmdstat(name)})),
]

compatSuite('scripting: refused calls, rejected_calls and errorstats', [
  ...statsCase(['CONFIG SET maxmemory 1', ev("return redis.call('set','x','y')", '1', 'x')], ['OOM', 'ERR'], {cmds: ['set', 'eval']}),
  ...statsCase([ev("local t = redis.pcall('set','x','y')\nreturn t['err']", '1', 'x')], ['OOM', 'ERR'], {cmds: ['set', 'eval']}),
  ...statsCase([ev("return redis.pcall('set','x','y')", '1', 'x')], ['OOM', 'ERR'], {cmds: ['eval']}),
  'CONFIG SET maxmemory 0',
  ...statsCase([ev("return redis.call('select',99)")], ['ERR'], {cmds: ['select', 'eval']}),
  ...statsCase([ev("return redis.pcall('select',99)['err']")], ['ERR']),
  ...statsCase([['EVAL_RO', "return redis.call('set','x','y')", '1', 'x']], ['ERR'], {stats: false, cmds: ['set']}),
  ...statsCase([ev("return redis.pcall('nosuchcommand')"), ev("return redis.error_reply('MY_ERR_CODE custom msg')")], ['ERR', 'MY_ERR_CODE']),
  ev("return redis.call('cluster','reset','hard')"),
  {cmd: 'INFO commandstats', normalize: cmdstat('cluster|reset')},
], DEBUG)
