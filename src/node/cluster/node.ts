// One entry of the cluster node table (clusterNode in cluster.h), plus the flag and slot
// bitmap helpers shared by the state machine, the formatters and nodes.conf.
import {randomBytes} from 'node:crypto'
import {NodeFlag, SLOT_BYTES} from './bus/codec.js'

export const CLUSTER_SLOTS = 16384

/** What the state machine needs from a bus connection; real sockets live in bus/links.ts. */
export interface BusLink {
  readonly inbound: boolean
  /** Node this link belongs to: fixed for outbound links, learned for inbound ones. */
  node: ClusterNode | null
  readonly ctime: number
  /** Local address of the socket (how a node learns its own IP). */
  readonly localIp: string
  /** Remote address of the socket (how a MEET sender's IP is learned). */
  readonly remoteIp: string
  send(frame: Buffer): void
  close(): void
  /** Stop / start reading (a frozen node: NodeServer.freeze). */
  freeze?(on: boolean): void
  /** Bytes queued for this link and not yet handed to the kernel (CLUSTER LINKS send-buffer-used). */
  readonly sendBufferUsed?: number
}

export interface FailReport {
  reporter: string
  time: number
}

export class ClusterNode {
  ip = ''
  port = 0
  cport = 0
  pport = 0
  hostname = ''
  flags: number
  masterId: string | null = null
  /** ms timestamp of the ping in flight, 0 when none. */
  pingSent = 0
  pongReceived = 0
  dataReceived = 0
  configEpoch = 0
  replOffset = 0
  failTime = 0
  votedTime = 0
  /** when this master became orphaned (replica migration), 0 = not orphaned */
  orphanedTime = 0
  readonly ctime: number
  readonly slots = new Uint8Array(SLOT_BYTES)
  /** `slots` four bytes at a time (the same memory). */
  readonly slotWords = new Uint32Array(this.slots.buffer)
  numSlots = 0
  /** Bumped by ClusterState.addSlot/delSlot (the only writers of `slots`): keys the cached range text. */
  slotsVersion = 0
  /** ` a-b c ...` for CLUSTER NODES / nodes.conf, valid while slotsTextVersion === slotsVersion */
  slotsText = ''
  slotsTextVersion = -1
  failReports: FailReport[] = []
  link: BusLink | null = null
  inboundLink: BusLink | null = null

  constructor(public id: string, flags: number, now: number) {
    this.flags = flags
    this.ctime = now
  }

  has(flag: number): boolean {
    return (this.flags & flag) !== 0
  }
  get isMaster(): boolean {
    return (this.flags & NodeFlag.MASTER) !== 0
  }
  get isReplica(): boolean {
    return (this.flags & NodeFlag.SLAVE) !== 0
  }
  get inHandshake(): boolean {
    return (this.flags & NodeFlag.HANDSHAKE) !== 0
  }
  get isMyself(): boolean {
    return (this.flags & NodeFlag.MYSELF) !== 0
  }
  /** "Timed out" in Redis terms is PFAIL. */
  get timedOut(): boolean {
    return (this.flags & NodeFlag.PFAIL) !== 0
  }
  get failed(): boolean {
    return (this.flags & NodeFlag.FAIL) !== 0
  }
}

export function randomNodeId(): string {
  return randomBytes(20).toString('hex')
}

export function isNodeId(s: string): boolean {
  return s.length === 40 && /^[0-9a-f]{40}$/.test(s)
}

export function bitTest(bitmap: Uint8Array, slot: number): boolean {
  return (bitmap[slot >> 3] & (1 << (slot & 7))) !== 0
}
export function bitSet(bitmap: Uint8Array, slot: number): void {
  bitmap[slot >> 3] |= 1 << (slot & 7)
}
export function bitClear(bitmap: Uint8Array, slot: number): void {
  bitmap[slot >> 3] &= ~(1 << (slot & 7))
}
export function bitmapsEqual(a: Uint8Array, b: Uint8Array): boolean {
  // memcmp (every received PING/PONG compares 2 KB of slot bits)
  return a.length === b.length && Buffer.compare(a, b) === 0
}

// An aligned copy of a received bitmap: a frame's slot bits sit at any byte offset of the read buffer.
const CLAIM_WORDS = new Uint32Array(SLOT_BYTES >> 2)
const CLAIM_BYTES = new Uint8Array(CLAIM_WORDS.buffer)

/**
 * Byte indices b (ascending) where `claimed` has bits that `node.slots` lacks: the
 * only bytes a PING/PONG can rebind. Compared four bytes at a time (a PONG after a SETSLOT differs from
 * our record in one byte of 2048; a byte loop was the bus path's hottest code in a reshard).
 */
export function bytesClaimedBeyond(claimed: Uint8Array, node: ClusterNode): number[] {
  const out: number[] = []
  const owned = node.slots
  const own = node.slotWords
  CLAIM_BYTES.set(claimed)
  for (let w = 0; w < CLAIM_WORDS.length; w++) {
    if ((CLAIM_WORDS[w] & ~own[w]) === 0) continue
    for (let b = w << 2; b < (w + 1) << 2; b++) if (claimed[b] & ~owned[b]) out.push(b)
  }
  return out
}

/** Flag words in Redis's order (representClusterNodeFlags). */
const FLAG_NAMES: [number, string][] = [
  [NodeFlag.MYSELF, 'myself'], [NodeFlag.MASTER, 'master'], [NodeFlag.SLAVE, 'slave'],
  [NodeFlag.PFAIL, 'fail?'], [NodeFlag.FAIL, 'fail'], [NodeFlag.HANDSHAKE, 'handshake'],
  [NodeFlag.NOADDR, 'noaddr'], [NodeFlag.NOFAILOVER, 'nofailover'],
]

export function flagsToString(flags: number): string {
  const out: string[] = []
  for (const [bit, name] of FLAG_NAMES) if (flags & bit) out.push(name)
  return out.length ? out.join(',') : 'noflags'
}

export function flagsFromString(s: string): number {
  let flags = 0
  for (const word of s.split(',')) {
    const hit = FLAG_NAMES.find(([, n]) => n === word)
    if (hit) flags |= hit[0]
  }
  return flags
}

/** Ranges of set bits as [start, end] pairs, ascending. */
/** Ranges of set bits in a slot bitmap; whole 0x00/0xff bytes are skipped 8 slots at a time. */
export function bitmapRanges(bitmap: Uint8Array): [number, number][] {
  const out: [number, number][] = []
  let start = -1
  // Whole words of 32 empty or full slots at a time where the bitmap is aligned (a node's own
  // slots: nodes.conf renders the changed nodes' ranges at every save of a reshard).
  const words = bitmap.byteOffset % 4 === 0 && bitmap.length % 4 === 0 ? new Uint32Array(bitmap.buffer, bitmap.byteOffset, bitmap.length >> 2) : null
  for (let i = 0; i < bitmap.length; i++) {
    if (words !== null && (i & 3) === 0) {
      const w = words[i >> 2]
      if (w === 0 || w === 0xffffffff) {
        if (w !== 0 && start === -1) start = i << 3
        else if (w === 0 && start !== -1) {
          out.push([start, (i << 3) - 1])
          start = -1
        }
        i += 3
        continue
      }
    }
    const b = bitmap[i]
    if (b === 0 || b === 0xff) {
      if (b === 0xff && start === -1) start = i << 3
      else if (b === 0 && start !== -1) {
        out.push([start, (i << 3) - 1])
        start = -1
      }
      continue
    }
    for (let k = 0; k < 8; k++) {
      const j = (i << 3) | k
      if (b & (1 << k)) {
        if (start === -1) start = j
      } else if (start !== -1) {
        out.push([start, j - 1])
        start = -1
      }
    }
  }
  if (start !== -1) out.push([start, bitmap.length * 8 - 1])
  return out
}
