// LOLWUT [VERSION v] [args...] (lolwut.c, Redis 7.0.15): the version line for 7.x, and version 5's
// "Schotter" (Georg Nees, 1968) drawn on a braille-dot canvas. The randomness of the later rows is
// Redis's too; the first two rows of squares are unrotated, so they are byte-identical to
// redis-server's. Floats are rounded to 32 bits where Redis computes with C floats.
import {cmd, type CommandContext, type CommandSpec} from './types.js'
import {REDIS_VERSION} from '../version.js'
import {E} from '../errors.js'
import {is, parseIntStrict} from './util.js'

export const commands: CommandSpec[] = [cmd('lolwut', -1, ['readonly', 'fast'], 0, lolwut)]

const f = Math.fround
/** C (int) of a double: truncation toward zero. */
const toInt = (x: number) => Math.trunc(x)

function longArg(ctx: CommandContext, s: string): number | null {
  const n = parseIntStrict(s)
  if (n === null) {
    ctx.reply.error(E.NOT_INTEGER)
    return null
  }
  return Number(n)
}

function lolwut(ctx: CommandContext, argv: string[]): void {
  let version = REDIS_VERSION
  let args = argv.slice(1)
  if (argv.length >= 3 && is(argv[1], 'version')) {
    const v = longArg(ctx, argv[2])
    if (v === null) return
    version = `${v >>> 0}.0.0` // "%u.0.0" of the long
    args = argv.slice(3)
  }
  if ((version.startsWith('5.') && version[2] !== '9') || version.startsWith('4.9')) return schotter(ctx, args)
  // 6.x (and 5.9) is "Skyscrapers" in Redis; like every other version the node answers the
  // version line for it (documented difference).
  ctx.reply.verbatim(`Redis ver. ${REDIS_VERSION}\n`)
}

class Canvas {
  readonly px: Uint8Array
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.px = new Uint8Array(width * height)
  }
  set(x: number, y: number): void {
    if (x < 0 || x >= this.width || y < 0 || y >= this.height) return
    this.px[x + y * this.width] = 1
  }
  get(x: number, y: number): number {
    if (x < 0 || x >= this.width || y < 0 || y >= this.height) return 0
    return this.px[x + y * this.width]
  }
  line(x1: number, y1: number, x2: number, y2: number): void {
    const dx = Math.abs(x2 - x1)
    const dy = Math.abs(y2 - y1)
    const sx = x1 < x2 ? 1 : -1
    const sy = y1 < y2 ? 1 : -1
    let err = dx - dy
    for (;;) {
      this.set(x1, y1)
      if (x1 === x2 && y1 === y2) break
      const e2 = err * 2
      if (e2 > -dy) {
        err -= dy
        x1 += sx
      }
      if (e2 < dx) {
        err += dx
        y1 += sy
      }
    }
  }
  /** A square of side `size` centred on x,y, rotated by `angle` (lwDrawSquare). */
  square(x: number, y: number, size: number, angle: number): void {
    size = f(Math.round(f(size / 1.4142135623)))
    let k = f(Math.PI / 4 + angle)
    const px: number[] = []
    const py: number[] = []
    for (let j = 0; j < 4; j++) {
      px.push(Math.round(Math.sin(k) * size + x))
      py.push(Math.round(Math.cos(k) * size + y))
      k = f(k + Math.PI / 2)
    }
    for (let j = 0; j < 4; j++) this.line(px[j], py[j], px[(j + 1) % 4], py[(j + 1) % 4])
  }
  /** Braille rendering: one character per 2x4 pixels. */
  render(): string {
    let text = ''
    for (let y = 0; y < this.height; y += 4) {
      for (let x = 0; x < this.width; x += 2) {
        let byte = 0
        if (this.get(x, y)) byte |= 1
        if (this.get(x, y + 1)) byte |= 2
        if (this.get(x, y + 2)) byte |= 4
        if (this.get(x + 1, y)) byte |= 8
        if (this.get(x + 1, y + 1)) byte |= 16
        if (this.get(x + 1, y + 2)) byte |= 32
        if (this.get(x, y + 3)) byte |= 64
        if (this.get(x + 1, y + 3)) byte |= 128
        text += String.fromCharCode(0x2800 + byte)
      }
      if (y !== this.height - 1) text += '\n'
    }
    return text
  }
}

function schotter(ctx: CommandContext, args: string[]): void {
  const opts = [66, 8, 12]
  for (let i = 0; i < 3 && i < args.length; i++) {
    const v = longArg(ctx, args[i])
    if (v === null) return
    opts[i] = v
  }
  const clamp = (v: number, hi: number) => Math.min(Math.max(v, 1), hi)
  const cols = clamp(opts[0], 1000)
  const perRow = clamp(opts[1], 200)
  const perCol = clamp(opts[2], 200)
  const width = cols * 2
  const padding = width > 4 ? 2 : 0
  const side = f((width - padding * 2) / perRow)
  const canvas = new Canvas(width, toInt(f(side * perCol) + padding * 2))
  const rnd = () => f(f(Math.random()) / perCol) // (float)rand()/RAND_MAX/squares_per_col
  for (let y = 0; y < perCol; y++) {
    for (let x = 0; x < perRow; x++) {
      let sx = toInt(f(f(x * side) + f(side / 2)) + padding)
      let sy = toInt(f(f(y * side) + f(side / 2)) + padding)
      let angle = 0
      if (y > 1) {
        let r1 = f(rnd() * y)
        let r2 = f(rnd() * y)
        let r3 = f(rnd() * y)
        if (Math.random() < 0.5) r1 = -r1
        if (Math.random() < 0.5) r2 = -r2
        if (Math.random() < 0.5) r3 = -r3
        angle = r1
        sx = toInt(f(sx + f(f(r2 * side) / 3)))
        sy = toInt(f(sy + f(f(r3 * side) / 3)))
      }
      canvas.square(sx, sy, side, angle)
    }
  }
  const text = `${canvas.render()}\nGeorg Nees - schotter, plotter on paper, 1968. Redis ver. ${REDIS_VERSION}\n`
  // The node's strings are latin1 byte strings: send the braille characters as UTF-8 bytes.
  ctx.reply.verbatim(Buffer.from(text, 'utf8').toString('latin1'))
}
