// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN n] [WITHMATCHLEN] (redis 7.0 t_string.c): the longest
// common subsequence of two strings by the classic dynamic-programming table, walked back from
// the end so matches are reported last-first, as Redis reports them.
import {E, ReplyError} from '../errors.js'
import {typeOf, type RedisValue} from '../keyspace/keyspace.js'
import {cmd, type CommandContext, type CommandSpec} from './types.js'
import {intArg, is} from './util.js'

export const commands: CommandSpec[] = [cmd('lcs', -3, ['readonly'], [1, 2, 1], lcs, {categories: ['@read', '@string', '@slow']})]

function stringOrEmpty(v: RedisValue | undefined): string {
  if (v === undefined) return ''
  if (typeOf(v) !== 'string') throw new ReplyError('ERR The specified keys must contain string values')
  return v as string
}

type Match = [aStart: number, aEnd: number, bStart: number, bEnd: number]

function lcs(ctx: CommandContext, argv: string[]): void {
  // both keys are read (counted) before either is type-checked, as redis lcsCommand does
  const va = ctx.db.read(argv[1])
  const vb = ctx.db.read(argv[2])
  const a = stringOrEmpty(va)
  const b = stringOrEmpty(vb)
  let getLen = false
  let getIdx = false
  let withMatchLen = false
  let minMatchLen = 0
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j]
    if (is(opt, 'idx')) getIdx = true
    else if (is(opt, 'len')) getLen = true
    else if (is(opt, 'withmatchlen')) withMatchLen = true
    else if (is(opt, 'minmatchlen') && j + 1 < argv.length) minMatchLen = Math.max(0, intArg(argv[++j]))
    else return ctx.reply.error(E.SYNTAX)
  }
  if (getLen && getIdx) return ctx.reply.error('ERR If you want both the length and indexes, please just use IDX.')
  const alen = a.length
  const blen = b.length
  const cells = (alen + 1) * (blen + 1)
  if (cells * 4 > ctx.server.config.int('proto-max-bulk-len'))
    return ctx.reply.error('ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len')
  const w = blen + 1
  const t = new Uint32Array(cells) // t[i*w+j]: LCS length of a[0..i) and b[0..j)
  for (let i = 1; i <= alen; i++) {
    const ac = a.charCodeAt(i - 1)
    for (let j = 1; j <= blen; j++) {
      t[i * w + j] = ac === b.charCodeAt(j - 1) ? t[(i - 1) * w + j - 1] + 1 : Math.max(t[(i - 1) * w + j], t[i * w + j - 1])
    }
  }
  const total = t[alen * w + blen]
  if (getLen) return ctx.reply.integer(total)

  // Walk back from (alen, blen): collect the subsequence and the contiguous runs of matches.
  const out: string[] = new Array(total)
  const matches: Match[] = []
  let k = total
  let run: Match | null = null
  let i = alen
  let j = blen
  const close = () => {
    if (run !== null && (minMatchLen === 0 || run[1] - run[0] + 1 >= minMatchLen)) matches.push(run)
    run = null
  }
  while (i > 0 && j > 0) {
    let emit = false
    if (a.charCodeAt(i - 1) === b.charCodeAt(j - 1)) {
      out[--k] = a[i - 1]
      if (run === null) run = [i - 1, i - 1, j - 1, j - 1]
      else if (run[0] === i && run[2] === j) {
        run[0]--
        run[2]--
      } else emit = true
      if (run[0] === 0 || run[2] === 0) emit = true
      i--
      j--
    } else {
      if (t[(i - 1) * w + j] > t[i * w + j - 1]) i--
      else j--
      if (run !== null) emit = true
    }
    if (emit) close()
  }
  if (!getIdx) return ctx.reply.bulk(out.join(''))
  const r = ctx.reply
  r.map(2)
  r.bulk('matches')
  r.array(matches.length)
  for (const [as, ae, bs, be] of matches) {
    r.array(withMatchLen ? 3 : 2)
    r.array(2)
    r.integer(as)
    r.integer(ae)
    r.array(2)
    r.integer(bs)
    r.integer(be)
    if (withMatchLen) r.integer(ae - as + 1)
  }
  r.bulk('len')
  r.integer(total)
}
