// Integer arguments that redis reads with string2ll (getLongLongFromObject and friends): "01", "-0",
// "+1", " 1" and values past 64 bits are not integers, while values past 2^53 within 64 bits are.
// Checked side by side, byte for byte, on commands whose arguments the node had parsed with a laxer
// rule of its own: CLIENT TRACKING REDIRECT, CLIENT UNBLOCK, WAIT, FAILOVER TIMEOUT, SLOWLOG GET,
// FCALL / FCALL_RO numkeys.
import {test} from 'node:test'
import {redisSkip} from '../helpers/redis-server.js'
import {pairHooks, sameReplies, withBoth} from './harness.js'

const skip = redisSkip()
const p = pairHooks()

const BAD = ['01', '-0', '+1', ' 1', '1 ', '00', '99999999999999999999']
const LIB = "#!lua name=longargs\nredis.register_function{function_name='f', callback=function() return 1 end, flags={'no-writes'}}"

test('string2ll integers: leading zeros, -0, signs and overflow refused; 64-bit values beyond 2^53 taken', {skip}, async () => {
  await withBoth(p, async (real, ours) => {
    await sameReplies(real, ours, [['FUNCTION', 'LOAD', 'REPLACE', LIB]])
    for (const v of BAD) {
      await sameReplies(real, ours, [
        ['CLIENT', 'TRACKING', 'ON', 'REDIRECT', v],
        ['CLIENT', 'UNBLOCK', v],
        ['WAIT', '0', v],
        ['WAIT', v, '1'],
        ['FAILOVER', 'TIMEOUT', v],
        ['SLOWLOG', 'GET', v],
        ['FCALL', 'f', v],
        ['FCALL_RO', 'f', v],
        ['EVAL', 'return 1', v],
      ])
    }
    await sameReplies(real, ours, [
      ['CLIENT', 'UNBLOCK', '9007199254740993'],
      ['CLIENT', 'UNBLOCK', '-9223372036854775808'],
      // the node's FUNCTION LOAD (a Lua compile) may be slow enough to be logged: start empty
      ['SLOWLOG', 'RESET'],
      ['SLOWLOG', 'GET', '9223372036854775807'],
      ['CLIENT', 'TRACKING', 'ON', 'REDIRECT', '9223372036854775807'],
      ['FCALL', 'f', '0'],
      // too many arguments: the subcommand named as typed
      ['SLOWLOG', 'GeT', '1', '2'],
      ['CLIENT', 'Unblock', '1', 'timeout', 'x'],
    ])
  })
})
