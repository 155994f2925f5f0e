// Dependency direction, checked: commands -> lib; the planner, the NB model and the event matchers
// import no I/O; the OVSDB client is self-contained (publishable alone); the device layers never
// import the planner's logic; and there are no import cycles.
import {expect} from 'chai'
import {readdirSync, readFileSync, statSync} from 'node:fs'
import {dirname, join, relative, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const src = join(root, 'src')

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : []
  })
}

interface Edge {
  from: string
  to: string
  typeOnly: boolean
}

function importsOf(file: string): Edge[] {
  const text = readFileSync(file, 'utf8')
  const edges: Edge[] = []
  const re = /^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm
  for (const m of text.matchAll(re)) {
    const spec = m[3] ?? m[4] ?? m[5]
    if (!spec) continue
    const to = spec.startsWith('.') ? relative(src, resolve(dirname(file), spec)).replace(/\.js$/, '.ts') : spec
    edges.push({from: relative(src, file), to, typeOnly: Boolean(m[2])})
  }
  return edges
}

const files = walk(src)
const edges = files.flatMap(importsOf)
const IO_MODULES = /^(node:)?(fs|fs\/promises|net|tls|child_process|dgram|http|https|os|process|worker_threads)$|^execa$/

function violations(fromPrefix: string, allowed: (e: Edge) => boolean): string[] {
  return edges.filter((e) => e.from.startsWith(fromPrefix) && !allowed(e)).map((e) => `${e.from} -> ${e.to}`)
}

describe('architecture: dependency direction', () => {
  it('has source files to check', () => {
    expect(files.length).to.be.greaterThan(5)
  })

  it('lib never imports commands', () => {
    expect(violations('lib/', (e) => !e.to.startsWith('commands/'))).to.deep.equal([])
  })

  it('the planner imports no I/O and only pure modules', () => {
    const pure = /^(lib\/(planner|net|nb\/(model|keys|state|decode|multi-index))\/?|lib\/(errors|log)\.ts$|lib\/config\/types\.ts$|lib\/ovsdb\/types\.ts$)/
    expect(violations('lib/planner/', (e) => (e.to.startsWith('lib/') ? pure.test(e.to) || e.typeOnly : false))).to.deep.equal([])
  })

  it('the NB model and the event matchers import no I/O', () => {
    const ok = (e: Edge) => !IO_MODULES.test(e.to) && (!e.to.startsWith('lib/ovsdb/') || e.to === 'lib/ovsdb/types.ts' || e.typeOnly)
    expect(violations('lib/nb/', ok)).to.deep.equal([])
    expect(violations('lib/driver/events', ok)).to.deep.equal([])
  })

  it('the OVSDB client is self-contained (node built-ins and itself only)', () => {
    expect(violations('lib/ovsdb/', (e) => e.to.startsWith('lib/ovsdb/') || e.to.startsWith('node:'))).to.deep.equal([])
  })

  it('kernel, ovs and frr layers use only the planner types', () => {
    for (const layer of ['lib/kernel/', 'lib/ovs/', 'lib/frr/']) {
      expect(violations(layer, (e) => !e.to.startsWith('lib/planner/') || e.to === 'lib/planner/types.ts')).to.deep.equal([])
    }
  })

  it('has no import cycles', () => {
    const graph = new Map<string, string[]>()
    for (const e of edges) if (e.to.startsWith('lib/') || e.to.startsWith('commands/')) {
      if (!e.typeOnly) graph.set(e.from, [...(graph.get(e.from) ?? []), e.to])
    }
    const state = new Map<string, 1 | 2>()
    const cycles: string[] = []
    const visit = (n: string, path: string[]): void => {
      if (state.get(n) === 2) return
      if (state.get(n) === 1) {
        cycles.push([...path.slice(path.indexOf(n)), n].join(' -> '))
        return
      }
      state.set(n, 1)
      for (const m of graph.get(n) ?? []) visit(m, [...path, n])
      state.set(n, 2)
    }
    for (const n of graph.keys()) visit(n, [])
    expect(cycles).to.deep.equal([])
  })
})
