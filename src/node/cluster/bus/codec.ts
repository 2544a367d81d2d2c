// Redis 7.0 cluster bus wire codec (clusterMsg in cluster.h). Byte layout verified against
// frames captured from redis-server 7.0.15 (test/fixtures/bus/*.hex): every multi-byte
// integer is big-endian (htons/htonl/htonu64), strings are NUL-padded fixed arrays.
// decode() is strict: anything that is not exactly a well-formed frame throws BusCodecError
// and the link drops the peer (reliability.md scenario 20).

export const SIG = 'RCmb'
export const PROTO_VER = 1
export const HEADER_LEN = 2256 // CLUSTERMSG_MIN_LEN
export const GOSSIP_LEN = 104
export const SLOT_BYTES = 2048
export const NAME_LEN = 40
export const IP_LEN = 46
/** Upper bound on a frame we accept; protects the framer from a forged 4 GB totlen. */
export const MAX_FRAME = 64 * 1024 * 1024

export const MsgType = {
  PING: 0, PONG: 1, MEET: 2, FAIL: 3, PUBLISH: 4, FAILOVER_AUTH_REQUEST: 5,
  FAILOVER_AUTH_ACK: 6, UPDATE: 7, MFSTART: 8, MODULE: 9, PUBLISHSHARD: 10,
} as const
export const MSG_TYPE_COUNT = 11
/** Names used by CLUSTER INFO's cluster_stats_messages_<name>_sent. */
export const MSG_TYPE_NAMES = ['ping', 'pong', 'meet', 'fail', 'publish', 'auth-req', 'auth-ack', 'update', 'mfstart', 'module', 'publishshard']

export const NodeFlag = {
  MASTER: 1, SLAVE: 2, PFAIL: 4, FAIL: 8, MYSELF: 16, HANDSHAKE: 32, NOADDR: 64, MEET: 128,
  MIGRATE_TO: 256, NOFAILOVER: 512, EXTENSIONS_SUPPORTED: 1024,
} as const

export const MFlag0 = {PAUSED: 1, FORCEACK: 2, EXT_DATA: 4} as const
export const ExtType = {HOSTNAME: 0, HUMAN_NODENAME: 1, FORGOTTEN_NODE: 2, SHARDID: 3} as const

export class BusCodecError extends Error {}

export interface BusHeader {
  type: number
  port: number
  currentEpoch: number
  configEpoch: number
  offset: number
  sender: string
  /** 2048-byte slot bitmap: bit j = slots[j>>3] & (1 << (j & 7)). */
  myslots: Uint8Array
  /** Master's id for a replica, null for a master (all-zero field). */
  slaveof: string | null
  /** Announced IP; '' means "use the socket address". */
  myip: string
  pport: number
  cport: number
  flags: number
  /** 0 ok, 1 fail. */
  state: number
  mflags: [number, number, number]
}

export interface GossipEntry {
  nodename: string
  pingSent: number // seconds
  pongReceived: number // seconds
  ip: string
  port: number
  cport: number
  flags: number
  pport: number
}

/** A ping extension; data includes the padding to an 8-byte boundary. */
export interface PingExt {
  type: number
  data: Buffer
}

export type BusBody =
  | {kind: 'gossip'; gossip: GossipEntry[]; extensions: PingExt[]}
  | {kind: 'fail'; nodename: string}
  | {kind: 'publish'; channel: Buffer; message: Buffer}
  | {kind: 'update'; configEpoch: number; nodename: string; slots: Uint8Array}
  | {kind: 'module'; moduleId: bigint; moduleType: number; payload: Buffer}
  | {kind: 'empty'}

export interface BusMessage {
  header: BusHeader
  body: BusBody
}

export function isGossipType(t: number): boolean {
  return t === MsgType.PING || t === MsgType.PONG || t === MsgType.MEET
}

// ---- helpers ---------------------------------------------------------------------------

function readStr(buf: Buffer, off: number, len: number): string {
  const end = buf.indexOf(0, off)
  return buf.toString('latin1', off, end === -1 || end > off + len ? off + len : end)
}

function readName(buf: Buffer, off: number): string {
  return buf.toString('latin1', off, off + NAME_LEN)
}

function isZero(buf: Buffer, off: number, len: number): boolean {
  for (let i = off; i < off + len; i++) if (buf[i] !== 0) return false
  return true
}

/** A u64 field as a number (epochs, offsets): two 32-bit reads, no BigInt per field and frame. */
function readU64(buf: Buffer, off: number): number {
  const hi = buf.readUInt32BE(off)
  // Number.MAX_SAFE_INTEGER is 2^53 - 1: the high word must fit in 21 bits.
  if (hi > 0x1fffff) throw new BusCodecError('64-bit field out of range')
  return hi * 0x100000000 + buf.readUInt32BE(off + 4)
}

/** writeBigUInt64BE(BigInt(v)) for a safe non-negative integer, without the BigInt. */
function writeU64(buf: Buffer, v: number, off: number): void {
  if (!Number.isSafeInteger(v) || v < 0) {
    buf.writeBigUInt64BE(BigInt(v), off) // throws as before for what cannot be written
    return
  }
  buf.writeUInt32BE(Math.floor(v / 0x100000000), off)
  buf.writeUInt32BE(v >>> 0, off + 4)
}

function writeStr(buf: Buffer, off: number, len: number, s: string): void {
  // The buffer is zero-filled, so a shorter string stays NUL-terminated. Always keep one
  // NUL for ip fields (Redis memcpy's NET_IP_STR_LEN and expects a terminator).
  buf.write(s, off, Math.min(Buffer.byteLength(s, 'latin1'), len), 'latin1')
}

function align8(n: number): number {
  return (n + 7) & ~7
}

export function hostnameExt(hostname: string): PingExt {
  const raw = Buffer.byteLength(hostname, 'latin1') + 1
  const data = Buffer.alloc(align8(8 + raw) - 8)
  data.write(hostname, 0, 'latin1')
  return {type: ExtType.HOSTNAME, data}
}

export function forgottenNodeExt(name: string, ttlSeconds: number): PingExt {
  const data = Buffer.alloc(48)
  data.write(name, 0, NAME_LEN, 'latin1')
  data.writeBigUInt64BE(BigInt(ttlSeconds), 40)
  return {type: ExtType.FORGOTTEN_NODE, data}
}

/** Decoded view of known extension types; unknown ones are simply not reported. */
export function extHostname(exts: PingExt[]): string | undefined {
  const e = exts.find((x) => x.type === ExtType.HOSTNAME)
  return e ? readStr(e.data, 0, e.data.length) : undefined
}

// ---- length validation (mirrors clusterProcessPacket's explen checks) ------------------

function expectedLength(buf: Buffer, type: number, count: number, flag0: number, extensions: number): number {
  const totlen = buf.length
  switch (type) {
    case MsgType.PING:
    case MsgType.PONG:
    case MsgType.MEET: {
      let explen = HEADER_LEN + GOSSIP_LEN * count
      if (flag0 & MFlag0.EXT_DATA) {
        let off = explen
        for (let i = 0; i < extensions; i++) {
          if (off + 8 > totlen) throw new BusCodecError('extension header exceeds packet length')
          const extlen = buf.readUInt32BE(off)
          if (extlen % 8 !== 0 || extlen < 8) throw new BusCodecError(`extension without proper padding (${extlen} bytes)`)
          if (totlen - explen < extlen) throw new BusCodecError('extension data exceeds total packet length')
          explen += extlen
          off += extlen
        }
      }
      return explen
    }
    case MsgType.FAIL:
      return HEADER_LEN + NAME_LEN
    case MsgType.PUBLISH:
    case MsgType.PUBLISHSHARD:
      if (totlen < HEADER_LEN + 8) throw new BusCodecError('publish packet too short')
      return HEADER_LEN + 8 + buf.readUInt32BE(HEADER_LEN) + buf.readUInt32BE(HEADER_LEN + 4)
    case MsgType.FAILOVER_AUTH_REQUEST:
    case MsgType.FAILOVER_AUTH_ACK:
    case MsgType.MFSTART:
      return HEADER_LEN
    case MsgType.UPDATE:
      return HEADER_LEN + 8 + NAME_LEN + SLOT_BYTES
    case MsgType.MODULE:
      if (totlen < HEADER_LEN + 13) throw new BusCodecError('module packet too short')
      return HEADER_LEN + 13 + buf.readUInt32BE(HEADER_LEN + 8)
    default:
      throw new BusCodecError(`unknown message type ${type}`)
  }
}

// ---- decode ------------------------------------------------------------------------------

/** Decodes exactly one frame; buf.length must equal the frame's totlen. */
export function decode(buf: Buffer): BusMessage {
  if (buf.length < HEADER_LEN) throw new BusCodecError('packet shorter than header')
  if (buf.toString('latin1', 0, 4) !== SIG) throw new BusCodecError('bad signature')
  const totlen = buf.readUInt32BE(4)
  if (totlen !== buf.length) throw new BusCodecError(`totlen ${totlen} != frame length ${buf.length}`)
  const ver = buf.readUInt16BE(8)
  if (ver !== PROTO_VER) throw new BusCodecError(`unsupported protocol version ${ver}`)
  const type = buf.readUInt16BE(12)
  const count = buf.readUInt16BE(14)
  const mflags: [number, number, number] = [buf[2253], buf[2254], buf[2255]]
  const extensions = buf.readUInt16BE(2214)
  const explen = expectedLength(buf, type, count, mflags[0], extensions)
  if (explen !== totlen) throw new BusCodecError(`bad length for type ${type}: ${totlen} != ${explen}`)
  const header: BusHeader = {
    type,
    port: buf.readUInt16BE(10),
    currentEpoch: readU64(buf, 16),
    configEpoch: readU64(buf, 24),
    offset: readU64(buf, 32),
    sender: readName(buf, 40),
    // A view of the frame, not a copy (2 KB per PING/PONG): processing reads it and keeps nothing.
    myslots: buf.subarray(80, 80 + SLOT_BYTES),
    slaveof: isZero(buf, 2128, NAME_LEN) ? null : readName(buf, 2128),
    myip: readStr(buf, 2168, IP_LEN),
    pport: buf.readUInt16BE(2246),
    cport: buf.readUInt16BE(2248),
    flags: buf.readUInt16BE(2250),
    state: buf[2252],
    mflags,
  }
  return {header, body: decodeBody(buf, type, count, mflags[0], extensions)}
}

function decodeBody(buf: Buffer, type: number, count: number, flag0: number, extensions: number): BusBody {
  const d = HEADER_LEN
  switch (type) {
    case MsgType.PING:
    case MsgType.PONG:
    case MsgType.MEET: {
      const gossip: GossipEntry[] = new Array(count)
      for (let i = 0; i < count; i++) {
        const o = d + i * GOSSIP_LEN
        gossip[i] = {
          nodename: readName(buf, o),
          pingSent: buf.readUInt32BE(o + 40),
          pongReceived: buf.readUInt32BE(o + 44),
          ip: readStr(buf, o + 48, IP_LEN),
          port: buf.readUInt16BE(o + 94),
          cport: buf.readUInt16BE(o + 96),
          flags: buf.readUInt16BE(o + 98),
          pport: buf.readUInt16BE(o + 100),
        }
      }
      const exts: PingExt[] = []
      if (flag0 & MFlag0.EXT_DATA) {
        let off = d + count * GOSSIP_LEN
        for (let i = 0; i < extensions; i++) {
          const len = buf.readUInt32BE(off)
          exts.push({type: buf.readUInt16BE(off + 4), data: Buffer.from(buf.subarray(off + 8, off + len))})
          off += len
        }
      }
      return {kind: 'gossip', gossip, extensions: exts}
    }
    case MsgType.FAIL:
      return {kind: 'fail', nodename: readName(buf, d)}
    case MsgType.PUBLISH:
    case MsgType.PUBLISHSHARD: {
      const cl = buf.readUInt32BE(d)
      const ml = buf.readUInt32BE(d + 4)
      return {kind: 'publish', channel: Buffer.from(buf.subarray(d + 8, d + 8 + cl)), message: Buffer.from(buf.subarray(d + 8 + cl, d + 8 + cl + ml))}
    }
    case MsgType.UPDATE:
      return {kind: 'update', configEpoch: readU64(buf, d), nodename: readName(buf, d + 8), slots: new Uint8Array(buf.subarray(d + 48, d + 48 + SLOT_BYTES))}
    case MsgType.MODULE: {
      const len = buf.readUInt32BE(d + 8)
      return {kind: 'module', moduleId: buf.readBigUInt64BE(d), moduleType: buf[d + 12], payload: Buffer.from(buf.subarray(d + 13, d + 13 + len))}
    }
    default:
      return {kind: 'empty'}
  }
}

// ---- encode ------------------------------------------------------------------------------

function bodyLength(body: BusBody): number {
  switch (body.kind) {
    case 'gossip':
      return body.gossip.length * GOSSIP_LEN + body.extensions.reduce((n, e) => n + align8(8 + e.data.length), 0)
    case 'fail':
      return NAME_LEN
    case 'publish':
      return 8 + body.channel.length + body.message.length
    case 'update':
      return 8 + NAME_LEN + SLOT_BYTES
    case 'module':
      return 13 + body.payload.length
    case 'empty':
      return 0
  }
}

export function encode(msg: BusMessage): Buffer {
  const {header: h, body} = msg
  const totlen = HEADER_LEN + bodyLength(body)
  // from Node's pool (a PING/PONG is ~2.3 KB): no ArrayBuffer of its own per frame; zeroed here
  const buf = Buffer.allocUnsafe(totlen).fill(0)
  buf.write(SIG, 0, 'latin1')
  buf.writeUInt32BE(totlen, 4)
  buf.writeUInt16BE(PROTO_VER, 8)
  buf.writeUInt16BE(h.port, 10)
  buf.writeUInt16BE(h.type, 12)
  buf.writeUInt16BE(body.kind === 'gossip' ? body.gossip.length : 0, 14)
  writeU64(buf, h.currentEpoch, 16)
  writeU64(buf, h.configEpoch, 24)
  writeU64(buf, h.offset, 32)
  writeStr(buf, 40, NAME_LEN, h.sender)
  buf.set(h.myslots, 80)
  if (h.slaveof) writeStr(buf, 2128, NAME_LEN, h.slaveof)
  writeStr(buf, 2168, IP_LEN - 1, h.myip)
  let mflag0 = h.mflags[0]
  if (body.kind === 'gossip') {
    buf.writeUInt16BE(body.extensions.length, 2214)
    // EXT_DATA tells the receiver to account for extensions in totlen (7.0 sets it only
    // when it actually writes one, e.g. a hostname: see ping-from-B.hex vs ping-from-A-ext.hex).
    if (body.extensions.length > 0) mflag0 |= MFlag0.EXT_DATA
  }
  buf.writeUInt16BE(h.pport, 2246)
  buf.writeUInt16BE(h.cport, 2248)
  buf.writeUInt16BE(h.flags, 2250)
  buf[2252] = h.state
  buf[2253] = mflag0
  buf[2254] = h.mflags[1]
  buf[2255] = h.mflags[2]
  encodeBody(buf, body)
  return buf
}

function encodeBody(buf: Buffer, body: BusBody): void {
  const d = HEADER_LEN
  switch (body.kind) {
    case 'gossip': {
      let o = d
      for (const g of body.gossip) {
        writeStr(buf, o, NAME_LEN, g.nodename)
        buf.writeUInt32BE(g.pingSent >>> 0, o + 40)
        buf.writeUInt32BE(g.pongReceived >>> 0, o + 44)
        writeStr(buf, o + 48, IP_LEN - 1, g.ip)
        buf.writeUInt16BE(g.port, o + 94)
        buf.writeUInt16BE(g.cport, o + 96)
        buf.writeUInt16BE(g.flags, o + 98)
        buf.writeUInt16BE(g.pport, o + 100)
        o += GOSSIP_LEN
      }
      for (const e of body.extensions) {
        const len = align8(8 + e.data.length)
        buf.writeUInt32BE(len, o)
        buf.writeUInt16BE(e.type, o + 4)
        buf.set(e.data, o + 8)
        o += len
      }
      return
    }
    case 'fail':
      writeStr(buf, d, NAME_LEN, body.nodename)
      return
    case 'publish':
      buf.writeUInt32BE(body.channel.length, d)
      buf.writeUInt32BE(body.message.length, d + 4)
      buf.set(body.channel, d + 8)
      buf.set(body.message, d + 8 + body.channel.length)
      return
    case 'update':
      writeU64(buf, body.configEpoch, d)
      writeStr(buf, d + 8, NAME_LEN, body.nodename)
      buf.set(body.slots, d + 48)
      return
    case 'module':
      buf.writeBigUInt64BE(body.moduleId, d)
      buf.writeUInt32BE(body.payload.length, d + 8)
      buf[d + 12] = body.moduleType
      buf.set(body.payload, d + 13)
      return
    case 'empty':
      return
  }
}

// ---- stream framing ----------------------------------------------------------------------

/**
 * Splits a TCP byte stream into frames. Like clusterReadHandler, it checks the signature and
 * the minimum length as soon as the first 8 bytes arrive, so garbage is rejected before we
 * buffer a forged totlen.
 */
export class BusFramer {
  private chunks: Buffer[] = []
  private size = 0

  /** Returns complete frames; throws BusCodecError on a bad signature or length. */
  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk)
    this.size += chunk.length
    const out: Buffer[] = []
    while (this.size >= 8) {
      const head = this.chunks[0].length >= 8 ? this.chunks[0] : this.flatten()
      if (head.toString('latin1', 0, 4) !== SIG) throw new BusCodecError('bad signature')
      const totlen = head.readUInt32BE(4)
      if (totlen < HEADER_LEN || totlen > MAX_FRAME) throw new BusCodecError(`bad message length ${totlen}`)
      if (this.size < totlen) break
      const all = this.flatten()
      out.push(all.subarray(0, totlen))
      this.chunks = all.length > totlen ? [all.subarray(totlen)] : []
      this.size -= totlen
    }
    return out
  }

  private flatten(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)]
    return this.chunks[0]
  }
}
