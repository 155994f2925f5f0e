// The persisted maintenance state of a node: `drain` writes it BEFORE touching FRR and `undrain`
// removes it AFTER FRR is restored, so a `watch` (re)started at any point keeps a drained node
// drained (it re-applies the FRR drain configuration at start and whenever FRR restarts).
// A small JSON file in state_dir, written atomically (temp file + rename).
import {mkdir, readFile, rename, rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import {AgentError} from '../errors.js'

const DRAIN_FILE = 'drain.json'

/** announced: GRACEFUL_SHUTDOWN sent, routes still advertised; withdrawn: leaked routes withdrawn. */
export type DrainPhase = 'announced' | 'withdrawn'

export interface DrainState {
  drained: true
  phase: DrainPhase
  /** ISO time the drain started. */
  since: string
}

export class DrainStore {
  readonly path: string

  constructor(stateDir: string) {
    this.path = join(stateDir, DRAIN_FILE)
  }

  /** undefined when the node is not drained; a corrupt file is an error (never silently undrained). */
  async read(): Promise<DrainState | undefined> {
    let text: string
    try {
      text = await readFile(this.path, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    }

    try {
      const v = JSON.parse(text) as Partial<DrainState>
      if (v.drained !== true || (v.phase !== 'announced' && v.phase !== 'withdrawn') || typeof v.since !== 'string')
        throw new Error('unexpected content')
      return {drained: true, phase: v.phase, since: v.since}
    } catch (error) {
      throw new AgentError(`corrupt drain state ${this.path}: ${(error as Error).message}`, {
        code: 'DRAIN_STATE_CORRUPT',
        suggestions: ['ovn-bgp undrain   # restores the node and removes the file'],
      })
    }
  }

  async write(state: DrainState): Promise<void> {
    await mkdir(join(this.path, '..'), {recursive: true})
    const tmp = `${this.path}.tmp-${process.pid}`
    await writeFile(tmp, JSON.stringify(state) + '\n', {mode: 0o644})
    await rename(tmp, this.path)
  }

  async clear(): Promise<void> {
    await rm(this.path, {force: true})
  }
}
