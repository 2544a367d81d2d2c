// Every command of the CLI by oclif id, for oclif's explicit command strategy (package.json
// oclif.commands): the CLI bundle (src/cli/bundle.ts) exports this table, so one file holds every
// command, `help` included (@oclif/plugin-help's command, in the bundle with the same oclif instead
// of a plugin loaded at every start with its own copy of oclif). bin/dev.js points oclif at this file
// (the sources through tsx); test/cli/startup.test.ts checks that this table, commands/ and oclif's
// list agree.
import type {Command} from '@oclif/core'
import {commands as helpPlugin} from '@oclif/plugin-help'
import AddNode from '../../commands/add-node.js'
import Call from '../../commands/call.js'
import Check from '../../commands/check.js'
import Create from '../../commands/create.js'
import DelNode from '../../commands/del-node.js'
import Failover from '../../commands/failover.js'
import Fix from '../../commands/fix.js'
import Import from '../../commands/import.js'
import Info from '../../commands/info.js'
import Node from '../../commands/node.js'
import Rebalance from '../../commands/rebalance.js'
import Reshard from '../../commands/reshard.js'
import Sentinel from '../../commands/sentinel.js'
import SetTimeout from '../../commands/set-timeout.js'
import LocalAddNode from '../../commands/local/add-node.js'
import LocalDestroy from '../../commands/local/destroy.js'
import LocalKillNode from '../../commands/local/kill-node.js'
import LocalList from '../../commands/local/list.js'
import LocalLogs from '../../commands/local/logs.js'
import LocalRestartNode from '../../commands/local/restart-node.js'
import LocalStart from '../../commands/local/start.js'
import LocalStatus from '../../commands/local/status.js'
import LocalStop from '../../commands/local/stop.js'

export const COMMANDS: Record<string, Command.Class> = {
  'add-node': AddNode,
  call: Call,
  check: Check,
  create: Create,
  'del-node': DelNode,
  failover: Failover,
  fix: Fix,
  import: Import,
  help: helpPlugin.help,
  info: Info,
  node: Node,
  rebalance: Rebalance,
  reshard: Reshard,
  sentinel: Sentinel,
  'set-timeout': SetTimeout,
  'local:add-node': LocalAddNode,
  'local:destroy': LocalDestroy,
  'local:kill-node': LocalKillNode,
  'local:list': LocalList,
  'local:logs': LocalLogs,
  'local:restart-node': LocalRestartNode,
  'local:start': LocalStart,
  'local:status': LocalStatus,
  'local:stop': LocalStop,
}
