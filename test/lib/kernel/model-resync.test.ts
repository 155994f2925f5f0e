// A background dump patched into the watched model (kernel/model-resync.ts): a dump the model
// already holds is neither parsed nor loaded; otherwise the model becomes the dump plus what
// arrived while the patch ran (replayed onto the dump before each step), and the dump is recorded
// as loaded only when nothing replayed changed it.
import {expect} from 'chai'

import type {MonitorEvent} from '../../../src/lib/kernel/monitor-parse.js'
import type {KernelDumpText} from '../../../src/lib/kernel/observe.js'

import {dumpFingerprint, LoadedDump} from '../../../src/lib/kernel/dump-fingerprint.js'
import {
  type DumpPatch,
  parseModelDump,
  patchModelFromDump,
  type ReplayEvent,
} from '../../../src/lib/kernel/model-resync.js'
import {KernelModel} from '../../../src/lib/kernel/model.js'
import {address, dumpText} from '../../helpers/kernel-dump-text.js'

const tables = [200, 10]
const addrs = (m: KernelModel): string[] => [...m.addrs.keys()].sort()

function loadedModel(text = dumpText()): {model: KernelModel; loaded: LoadedDump} {
  const model = new KernelModel()
  model.load(parseModelDump(text), tables)
  const loaded = new LoadedDump()
  loaded.record(dumpFingerprint(text), model.generation)
  return {model, loaded}
}

/** The patch of `model` to `text`, nothing replayed unless given, `between` counted in `turns`. */
async function patch(
  m: {model: KernelModel; loaded: LoadedDump},
  text: KernelDumpText,
  o: {replay?: ReplayEvent[]; between?: () => Promise<void>} = {},
): Promise<{patch: DumpPatch; turns: number}> {
  let turns = 0
  const between = async (): Promise<void> => {
    turns++
    await o.between?.()
  }

  const p = await patchModelFromDump({...m, text, tables, replay: o.replay ?? [], between})
  return {patch: p, turns}
}

describe('kernel/model-resync: patchModelFromDump', () => {
  const twoAddrs = (): KernelDumpText => dumpText({addrs: `[${address('10.0.0.1/32')},${address('10.0.0.2/32')}]`})

  it('a dump the model holds: not parsed, nothing changed, no turn taken', async () => {
    const r = await patch(loadedModel(), dumpText())
    expect(r.patch).to.deep.equal({changed: {keys: [], links: []}, parsed: false})
    expect(r.turns).to.equal(0)
  })

  it('a dump with one more address: parsed in turns, the address patched in and reported, the dump then held', async () => {
    const m = loadedModel()
    const text = twoAddrs()
    const r = await patch(m, text)
    expect(r.patch.parsed).to.equal(true)
    expect(r.patch.changed.keys).to.deep.equal(['address|bgp-nic|10.0.0.2/32'])
    expect(addrs(m.model)).to.deep.equal(['bgp-nic|10.0.0.1/32', 'bgp-nic|10.0.0.2/32'])
    expect(r.turns).to.be.greaterThan(2)
    expect(m.loaded.holds(dumpFingerprint(text), m.model.generation)).to.equal(true)
  })

  it('a notification that arrives during the patch reaches the patched model, and the dump is not recorded as held', async () => {
    const m = loadedModel()
    const text = twoAddrs()
    const replay: ReplayEvent[] = []
    const late: MonitorEvent = {type: 'addr', deleted: false, addr: {dev: 'bgp-nic', family: 4, cidr: '10.0.0.3/32'}}
    let turns = 0
    // what the live model gets from the monitor meanwhile, and the caller queues for the dump
    const between = async (): Promise<void> => {
      if (++turns !== 2) return
      m.model.apply(late)
      replay.push(late)
    }

    const r = await patch(m, text, {replay, between})
    expect(r.patch.parsed).to.equal(true)
    expect(addrs(m.model)).to.deep.equal(['bgp-nic|10.0.0.1/32', 'bgp-nic|10.0.0.2/32', 'bgp-nic|10.0.0.3/32'])
    expect(m.loaded.holds(dumpFingerprint(text), m.model.generation)).to.equal(false)
  })

  it('an address the dump no longer has is removed and reported', async () => {
    const m = loadedModel(twoAddrs())
    const r = await patch(m, dumpText())
    expect(r.patch.changed.keys).to.deep.equal(['address|bgp-nic|10.0.0.2/32'])
    expect(addrs(m.model)).to.deep.equal(['bgp-nic|10.0.0.1/32'])
  })
})
