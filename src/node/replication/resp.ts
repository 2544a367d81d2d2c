// RESP encoding of propagated commands (the replication stream and the AOF share it).

/** `*N\r\n$len\r\narg\r\n…` for latin1 argv strings (one char = one byte). */
export function encodeCommand(argv: string[]): string {
  let s = '*' + argv.length + '\r\n'
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    s += '$' + a.length + '\r\n' + a + '\r\n'
  }
  return s
}

/** 40 hex chars: replication ids and the diskless EOF mark. */
export function randomHex40(): string {
  let s = ''
  for (let i = 0; i < 40; i++) s += '0123456789abcdef'[Math.floor(Math.random() * 16)]
  return s
}
