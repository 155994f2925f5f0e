// Dependency direction, checked on every import of src/ (type-only imports included):
//   commands -> (driver | doctor | sandbox) -> reconciler -> (planner | kernel | ovs | frr)
//            -> (nb | config | net) -> ovsdb
// with the composition root and CLI support just below the commands, errors/log just above
// ovsdb (LAYERS in test/helpers/import-graph.ts). No file cycle, no folder cycle. The planner, the
// NB model and the event matchers import no I/O; the OVSDB client is self-contained. CONTRIBUTING.md
// explains the layers; the synthetic graphs at the end show that each check fails when it should.
import {expect} from 'chai'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

import {type Edge, fileCycles, folderCycles, importEdges, layerViolations, readSources} from './helpers/import-graph.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const sources = readSources(join(root, 'src'))
const allEdges = importEdges(sources)

/**
 * Known breaches, each to be removed by the change that fixes it. An entry excuses the edges whose
 * importing file starts with `from` and whose imported file starts with `to`. The test fails when an
 * entry no longer excuses anything, so the list can only shrink.
 */
const TODO_EDGES: readonly {from: string; to: string; why: string}[] = []

const excused = (e: Edge) => TODO_EDGES.some((t) => e.from.startsWith(t.from) && e.to.startsWith(t.to))
const edges = allEdges.filter((e) => !excused(e))
const IO_MODULES =
  /^(node:)?(fs|fs\/promises|net|tls|child_process|dgram|http|https|os|process|worker_threads)$|^execa$/

function violations(fromPrefix: string, allowed: (e: Edge) => boolean): string[] {
  return edges.filter((e) => e.from.startsWith(fromPrefix) && !allowed(e)).map((e) => `${e.from} -> ${e.to}`)
}

describe('architecture: dependency direction', () => {
  it('has source files to check', () => {
    expect(sources.size).to.be.greaterThan(5)
    expect(allEdges.length).to.be.greaterThan(sources.size)
  })

  it('imports only downward in the layer order (or to a peer contract file)', () => {
    expect(layerViolations(edges)).to.deep.equal([])
  })

  it('has no file cycle (type-only imports included)', () => {
    expect(fileCycles(edges)).to.deep.equal([])
  })

  it('has no folder cycle (type-only imports included)', () => {
    expect(folderCycles(edges)).to.deep.equal([])
  })

  it('every TODO exception still excuses an import (fixed ones must be deleted from the list)', () => {
    const stale = TODO_EDGES.filter((t) => !allEdges.some((e) => e.from.startsWith(t.from) && e.to.startsWith(t.to)))
    expect(stale).to.deep.equal([])
  })

  it('lib never imports commands', () => {
    expect(violations('lib/', (e) => !e.to.startsWith('commands/'))).to.deep.equal([])
  })

  it('the planner imports no I/O and only pure modules', () => {
    const pure =
      /^(lib\/(planner|net|nb\/(model|keys|state|decode|multi-index))\/?|lib\/(errors|log)\.ts$|lib\/config\/types\.ts$|lib\/ovsdb\/types\.ts$)/
    expect(
      violations('lib/planner/', (e) => (e.to.startsWith('lib/') ? pure.test(e.to) || e.typeOnly : false)),
    ).to.deep.equal([])
  })

  it('the NB model and the event matchers import no I/O', () => {
    const ok = (e: Edge) =>
      !IO_MODULES.test(e.to) && (!e.to.startsWith('lib/ovsdb/') || e.to === 'lib/ovsdb/types.ts' || e.typeOnly)
    expect(violations('lib/nb/', ok)).to.deep.equal([])
    expect(violations('lib/driver/events', ok)).to.deep.equal([])
  })

  it('the OVSDB client is self-contained (node built-ins and itself only)', () => {
    expect(violations('lib/ovsdb/', (e) => e.to.startsWith('lib/ovsdb/') || e.to.startsWith('node:'))).to.deep.equal([])
  })

  it('kernel, ovs and frr layers use only the planner types', () => {
    for (const layer of ['lib/kernel/', 'lib/ovs/', 'lib/frr/']) {
      expect(
        violations(layer, (e) => !e.to.startsWith('lib/planner/') || e.to === 'lib/planner/types.ts'),
      ).to.deep.equal([])
    }
  })
})

describe('architecture checks on synthetic graphs', () => {
  const graph = (files: Record<string, string>) => importEdges(new Map(Object.entries(files)))

  it('parses value, type-only, inline-type, re-export, side-effect and dynamic imports', () => {
    const e = graph({
      'lib/a/x.ts': [
        "import {b} from '../b/y.js'",
        "import type {C} from './c.js'",
        "import {type D, type E} from '../d/e.js'",
        "import {type F, g} from '../f/g.js'",
        "export {h} from '../h/i.js'",
        "import '../side/effect.js'",
        "const m = await import('../dyn/m.js')",
        "import {readFileSync} from 'node:fs'",
        'import {\n  multi,\n  line,\n} from "../ml/n.js"',
      ].join('\n'),
    })
    expect(e.map((x) => [x.to, x.typeOnly])).to.deep.equal([
      ['lib/b/y.ts', false],
      ['lib/a/c.ts', true],
      ['lib/d/e.ts', true],
      ['lib/f/g.ts', false],
      ['lib/h/i.ts', false],
      ['lib/side/effect.ts', false],
      ['lib/dyn/m.ts', false],
      ['node:fs', false],
      ['lib/ml/n.ts', false],
    ])
  })

  it('finds a file cycle made only of type imports', () => {
    const e = graph({
      'lib/planner/context.ts': "import type {Ls} from './provider.js'",
      'lib/planner/provider.ts': "import type {Ctx} from './context.js'",
      'lib/planner/desired.ts': "import {makeEnv} from './context.js'",
    })
    expect(fileCycles(e)).to.deep.equal(['lib/planner/context.ts <-> lib/planner/provider.ts'])
    expect(fileCycles(e.filter((x) => x.from !== 'lib/planner/provider.ts'))).to.deep.equal([])
  })

  it('finds a longer file cycle and a folder cycle', () => {
    const e = graph({
      'lib/nb/a.ts': "import {b} from './b.js'",
      'lib/nb/b.ts': "import {c} from './c.js'",
      'lib/nb/c.ts': "import type {A} from './a.js'",
      'lib/driver/agent.ts': "import {x} from './events/x.js'",
      'lib/driver/events/x.ts': "import type {View} from '../view.js'",
      'lib/driver/view.ts': '',
    })
    expect(fileCycles(e)).to.deep.equal(['lib/nb/a.ts <-> lib/nb/b.ts <-> lib/nb/c.ts'])
    expect(folderCycles(e)).to.deep.equal(['lib/driver <-> lib/driver/events'])
  })

  it('treats each file at the root of lib/ as its own folder', () => {
    const e = graph({
      'lib/runtime.ts': "import {Agent} from './driver/agent.js'",
      'lib/driver/agent.ts': "import type {Runtime} from '../runtime.js'\nimport {ExitCode} from '../errors.js'",
      'lib/errors.ts': '',
    })
    expect(folderCycles(e)).to.deep.equal(['lib/driver <-> lib/runtime.ts'])
  })

  it('reports an upward import, a sideways import between peers, and accepts a peer contract', () => {
    const e = graph({
      'lib/planner/desired.ts': "import type {Reconciler} from '../reconciler/reconcile.js'",
      'lib/doctor/facts.ts': "import {NB_DB} from '../driver/nb-source.js'",
      'lib/kernel/apply.ts': "import type {Op} from '../planner/types.js'",
      'lib/config/values.ts': "import {isIp} from '../net/ip.js'",
      'lib/ovsdb/client.ts': "import {AgentError} from '../errors.js'",
      'commands/sync.ts': "import {Reconciler} from '../lib/reconciler/reconcile.js'",
      'lib/mystery/x.ts': "import {y} from '../nb/y.js'",
    })
    expect(layerViolations(e)).to.deep.equal([
      'lib/doctor/facts.ts -> lib/driver/nb-source.ts (sideways: lib/doctor and lib/driver are peers)',
      'lib/mystery/x.ts -> lib/nb/y.ts (file outside every layer)',
      'lib/ovsdb/client.ts -> lib/errors.ts (upward: lib/ovsdb is below lib/errors.ts)',
      'lib/planner/desired.ts -> lib/reconciler/reconcile.ts (upward: lib/planner is below lib/reconciler)',
    ])
  })
})
