// Talking to the running lab: one request file in the share's queue, one answer file back
// (protocol.ts says what may be asked).
import {randomBytes} from 'node:crypto'
import {existsSync, readFileSync, renameSync, unlinkSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

import type {LabStatus, SandboxRequest, SandboxResponse} from './protocol.js'

import {SandboxError} from './errors.js'
import {isRunning} from './processes.js'
import {paths, readProgress, readState} from './state-dir.js'

/** Sends one request to the lab's node agent and waits for its answer. */
export async function request(dir: string, req: SandboxRequest, timeoutMs = 60_000): Promise<SandboxResponse> {
  const p = paths(dir)
  const st = readState(dir)
  if (!st || !isRunning(dir))
    throw new SandboxError(`no sandbox is running in ${dir}`, 'ovn-bgp sandbox (or sandbox up) starts one')
  if (!readProgress(p.progress).includes('ready'))
    throw new SandboxError('the sandbox is still starting (or failed to start)', 'ovn-bgp sandbox status')
  const id = `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`
  const tmp = join(p.queue, `${id}.tmp`)
  writeFileSync(tmp, JSON.stringify(req), {mode: 0o600})
  renameSync(tmp, join(p.queue, `${id}.req`))
  const res = join(p.queue, `${id}.res`)
  const deadline = Date.now() + timeoutMs
  let delay = 20
  for (;;) {
    if (existsSync(res)) {
      const body = JSON.parse(readFileSync(res, 'utf8')) as SandboxResponse
      try {
        unlinkSync(res)
      } catch {}

      return body
    }

    if (Date.now() > deadline || !isRunning(dir)) {
      try {
        unlinkSync(join(p.queue, `${id}.req`)) // not claimed: withdraw it
      } catch {}

      throw new SandboxError(
        isRunning(dir) ? `the lab did not answer within ${Math.round(timeoutMs / 1000)} s` : 'the lab stopped',
        `ovn-bgp sandbox logs --node-agent; ${p.console}`,
      )
    }

    await sleep(delay)
    delay = Math.min(100, delay * 2)
  }
}

export async function labStatus(dir: string): Promise<LabStatus> {
  const r = await request(dir, {op: 'status'}, 30_000)
  return JSON.parse(r.stdout) as LabStatus
}
