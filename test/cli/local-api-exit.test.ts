// The programmatic API kills its nodes when the parent process ends without stop(): normal exit,
// an uncaught error, SIGTERM and SIGINT; with singleProcess (one host process for all the nodes)
// even when it is SIGKILLed (the host sees its stdin close).
import {describe, test} from 'node:test'
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {existsSync, rmSync} from 'node:fs'
import {join} from 'node:path'
import {ROOT} from '../helpers/cli.js'
import {isAlive} from '../../src/local/launcher.js'

const script = join(ROOT, 'test', 'fixtures', 'local-api-child.ts')

function run(mode: string, single = false): Promise<{code: number | null; signal: string | null; pids: number[]; hosts: number[]; dir: string}> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, mode, ...(single ? ['single'] : [])], {cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe']})
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => {
      out += d
      if (out.includes('\n') && (mode === 'sigterm' || mode === 'sigint' || mode === 'sigkill')) child.kill(mode === 'sigterm' ? 'SIGTERM' : mode === 'sigint' ? 'SIGINT' : 'SIGKILL')
    })
    child.stderr.on('data', (d) => (err += d))
    child.on('error', reject)
    child.on('close', (code, signal) => {
      const line = out.split('\n')[0]
      if (!line) return reject(new Error(`no output: ${err}`))
      const doc = JSON.parse(line) as {pids: number[]; hosts: number[]; dir: string}
      resolve({code, signal, ...doc})
    })
  })
}

async function gone(pids: number[]): Promise<boolean> {
  const deadline = Date.now() + 5000
  while (pids.some(isAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
  return !pids.some(isAlive)
}

describe('programmatic API cleans up when the process ends', () => {
  for (const mode of ['exit', 'throw', 'sigterm', 'sigint']) {
    test(`${mode}: no node left, no directory left`, {timeout: 60000}, async () => {
      const r = await run(mode)
      assert.equal(r.pids.length, 3)
      assert.ok(await gone(r.pids), `nodes left running after ${mode}: ${r.pids.filter(isAlive)}`)
      assert.equal(existsSync(r.dir), false)
      if (mode === 'throw') assert.equal(r.code, 1)
      if (mode === 'sigterm') assert.equal(r.signal, 'SIGTERM')
      if (mode === 'sigint') assert.equal(r.signal, 'SIGINT')
    })
  }
})

describe('programmatic API, singleProcess: the host and its nodes end with the process', () => {
  for (const mode of ['exit', 'sigterm', 'sigkill']) {
    test(`${mode}: no node and no host left`, {timeout: 60000}, async () => {
      const r = await run(mode, true)
      try {
        assert.equal(r.pids.length, 3)
        assert.equal(r.hosts.length, 1, 'one host process for the three nodes')
        assert.ok(!r.hosts.includes(r.pids[0]))
        assert.ok(await gone([...r.pids, ...r.hosts]), `left running after ${mode}: ${[...r.pids, ...r.hosts].filter(isAlive)}`)
        // SIGKILL runs no exit hook: the temporary directory stays (the test removes it)
        if (mode !== 'sigkill') assert.equal(existsSync(r.dir), false)
      } finally {
        rmSync(r.dir, {recursive: true, force: true})
      }
    })
  }
})
