// CLIENT TRACKING / TRACKINGINFO / CACHING / GETREDIR / REPLY (redis 7.0 networking.c
// clientCommand). The tables and invalidation messages live in src/node/tracking.ts.
import {E} from '../errors.js'
import {trackingOf} from '../tracking.js'
import type {CommandContext} from './types.js'
import {is, parseIntStrict} from './util.js'
import {REPLY_OFF, REPLY_ON, REPLY_SKIP_NEXT} from '../reply-mode.js'

export function tracking(ctx: CommandContext, argv: string[]): void {
  const s = ctx.session
  let redir = 0
  const opts = {bcast: false, optin: false, optout: false, noloop: false}
  const prefixes: string[] = []
  for (let j = 3; j < argv.length; j++) {
    const more = argv.length - 1 - j
    const o = argv[j].toLowerCase()
    if (o === 'redirect' && more) {
      j++
      if (redir !== 0) return ctx.reply.error('ERR A client can only redirect to a single other client')
      const id = parseIntStrict(argv[j])
      if (id === null) return ctx.reply.error('ERR value is not an integer or out of range')
      redir = Number(id)
      if (!ctx.server.sessions.has(redir)) return ctx.reply.error('ERR The client ID you want redirect to does not exist')
    } else if (o === 'bcast') opts.bcast = true
    else if (o === 'optin') opts.optin = true
    else if (o === 'optout') opts.optout = true
    else if (o === 'noloop') opts.noloop = true
    else if (o === 'prefix' && more) prefixes.push(argv[++j])
    else return ctx.reply.error(E.SYNTAX)
  }
  if (is(argv[2], 'on')) {
    const t = s.tracking
    if (!opts.bcast && prefixes.length !== 0) return ctx.reply.error('ERR PREFIX option requires BCAST mode to be enabled')
    if (t !== null && t.bcast !== opts.bcast)
      return ctx.reply.error("ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.")
    if (opts.bcast && (opts.optin || opts.optout)) return ctx.reply.error('ERR OPTIN and OPTOUT are not compatible with BCAST')
    if (opts.optin && opts.optout) return ctx.reply.error("ERR You can't specify both OPTIN mode and OPTOUT mode")
    if ((opts.optin && t?.optout) || (opts.optout && t?.optin))
      return ctx.reply.error("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.")
    const tr = trackingOf(ctx.server)
    if (opts.bcast) {
      const {error, enable} = tr.prefixCollision(s, prefixes)
      if (error !== null) ctx.reply.error(error)
      if (!enable) return
    }
    tr.enable(s, redir, opts, prefixes)
  } else if (is(argv[2], 'off')) {
    trackingOf(ctx.server).disable(s)
  } else return ctx.reply.error(E.SYNTAX)
  ctx.reply.ok()
}

export function caching(ctx: CommandContext, argv: string[]): void {
  const t = ctx.session.tracking
  if (t === null) return ctx.reply.error('ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled')
  if (is(argv[2], 'yes')) {
    if (!t.optin) return ctx.reply.error('ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.')
  } else if (is(argv[2], 'no')) {
    if (!t.optout) return ctx.reply.error('ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.')
  } else return ctx.reply.error(E.SYNTAX)
  t.caching = true
  ctx.reply.ok()
}

export function getredir(ctx: CommandContext): void {
  const t = ctx.session.tracking
  ctx.reply.integer(t === null ? -1 : t.redirect)
}

export function trackinginfo(ctx: CommandContext): void {
  const t = ctx.session.tracking
  const r = ctx.reply
  r.map(3)
  r.bulk('flags')
  const flags = [t !== null ? 'on' : 'off']
  if (t !== null) {
    if (t.bcast) flags.push('bcast')
    if (t.optin) flags.push('optin')
    if (t.optin && t.caching) flags.push('caching-yes')
    if (t.optout) flags.push('optout')
    if (t.optout && t.caching) flags.push('caching-no')
    if (t.noloop) flags.push('noloop')
    if (t.brokenRedir) flags.push('broken_redirect')
  }
  r.set(flags.length)
  for (const f of flags) r.bulk(f)
  r.bulk('redirect')
  r.integer(t === null ? -1 : t.redirect)
  r.bulk('prefixes')
  const p = t?.prefixes ?? []
  r.array(p.length)
  for (const x of [...p].sort()) r.bulk(x)
}

/** CLIENT REPLY ON|OFF|SKIP: the session drops the replies (src/node/session.ts replyMode). */
export function reply(ctx: CommandContext, argv: string[]): void {
  const s = ctx.session
  if (is(argv[2], 'on')) {
    s.replyMode = REPLY_ON
    ctx.reply.ok()
  } else if (is(argv[2], 'off')) s.replyMode = REPLY_OFF
  else if (is(argv[2], 'skip')) {
    if (s.replyMode !== REPLY_OFF) s.replyMode = REPLY_SKIP_NEXT
  } else ctx.reply.error(E.SYNTAX)
}
