// How a dump reaches the watched kernel model (watched.ts): the dump's text parsed into what the
// model loads, at once (a foreground load) or in parts between turns of the event loop (the
// background resync after an overrun and the periodic audit), and a background dump patched into
// the live model with what arrived while it ran replayed on top (docs/kernel.md "Overrun
// recovery"). Also the resync's pacing: how long it waits for overruns to stop before it dumps.
import type {MonitorEvent} from './monitor-parse.js'
import type {KernelObj} from './types.js'

import {runStepsInTurns} from '../event-turns.js'
import {dumpFingerprint, type LoadedDump} from './dump-fingerprint.js'
import {KernelModel, type ModelDump} from './model.js'
import {parseNetconf} from './notify-keys.js'
import {type KernelDumpText, type ParsedDump, parseKernelDump, parseKernelDumpInTurns} from './observe.js'

/** What the model loads, from a dump's parse. */
const toModelDump = (text: KernelDumpText, {netconf, ...dumped}: ParsedDump): ModelDump => ({
  ...dumped,
  netconf: parseNetconf(netconf),
  markedOnly: text.markedOnly,
})

/** A dump's text parsed into what the model loads. */
export function parseModelDump(text: KernelDumpText): ModelDump {
  return toModelDump(text, parseKernelDump(text))
}

/** parseModelDump in parts, `between` awaited between two (observe.ts parseKernelDumpInTurns). */
async function parseModelDumpInTurns(text: KernelDumpText, between: () => Promise<void>): Promise<ModelDump> {
  return toModelDump(text, await parseKernelDumpInTurns(text, between))
}

/** A background resync dumps once overruns stopped for this long, or this long after it began. */
export const RESYNC_QUIET_MS = 150
const RESYNC_MAX_WAIT_MS = 5000
const RESYNC_MAX_WAIT_CAP_MS = 60_000

/**
 * How long a resync waits for the overruns to stop before it dumps anyway: RESYNC_MAX_WAIT_MS, or
 * twice the last resync's own duration when that is longer (capped). On a large node a dump takes
 * tens of seconds in a slow guest; while FRR keeps churning routes (zebra installing thousands of
 * leaked routes after a burst) each dump is overrun again and repeated, and dumping every 5 s kept
 * the daemon's only thread busy for minutes. With the bound, dumps take at most a third of a storm.
 */
export function resyncWaitBound(lastResyncMs: number): number {
  return Math.min(RESYNC_MAX_WAIT_CAP_MS, Math.max(RESYNC_MAX_WAIT_MS, 2 * lastResyncMs))
}

/** What happened while a background dump ran: a notification, or one of our own ops. */
export type ReplayEvent = MonitorEvent | {own: 'add' | 'remove'; obj: KernelObj}

export interface DumpPatch {
  /** Keys and links the patch changed in the model; empty when it already held the dump. */
  changed: {keys: string[]; links: string[]}
  /** Whether the dump was parsed (false: its text is the one the model was loaded from). */
  parsed: boolean
}

/**
 * Patches `model` to a background dump's `text`. A text the model already holds (`loaded`,
 * dump-fingerprint.ts) is neither parsed nor loaded. Otherwise the parse, then each kind of the
 * patch (model.ts syncSteps), is a turn of its own (`between` awaited in between), and what
 * `replay` gained meanwhile (the caller keeps appending to it) is applied to the dump's model
 * before each step, so both models see it. `loaded` records the dump when nothing replayed
 * changed it: the next dump of the same text need not be parsed.
 */
export async function patchModelFromDump(o: {
  model: KernelModel
  text: KernelDumpText
  tables: readonly number[]
  loaded: LoadedDump
  replay: readonly ReplayEvent[]
  between: () => Promise<void>
}): Promise<DumpPatch> {
  const {model, text, loaded, replay, between} = o
  const fingerprint = dumpFingerprint(text)
  if (loaded.holds(fingerprint, model.generation)) return {changed: {keys: [], links: []}, parsed: false}
  await between()
  const dump = await parseModelDumpInTurns(text, between)
  await between()
  const next = new KernelModel()
  next.load(dump, [...o.tables])
  const loadedGeneration = next.generation
  let replayed = 0
  const catchUp = (): void => {
    for (; replayed < replay.length; replayed++) {
      const e = replay[replayed]!
      if ('own' in e) next.applyOwn(e.own, e.obj)
      else next.apply(e)
    }
  }

  const sync = model.syncSteps(next)
  await runStepsInTurns(
    sync.steps.map((step) => () => {
      catchUp()
      step()
    }),
    between,
  )
  // Nothing replayed changed the dump (echoes, foreign neighbours going stale are common on a busy
  // host): the model is now the dump itself.
  if (next.generation === loadedGeneration) loaded.record(fingerprint, model.generation)
  else loaded.forget()
  return {changed: sync.changed, parsed: true}
}
