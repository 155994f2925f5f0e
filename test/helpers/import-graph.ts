// The import graph of src/ and the rules test/architecture.test.ts enforces on it. Kept apart from
// the test so that the rules can also be run on a synthetic graph (a test shows each rule failing).
// Every import counts: value, `import type`, `export ... from` and dynamic `import()`. A type-only
// edge still couples two files (a renamed type breaks both), so it takes part in the cycle and
// layer checks like any other.
import {readdirSync, readFileSync, statSync} from 'node:fs'
import {dirname, join, posix, relative} from 'node:path'

export interface Edge {
  /** Importing file, relative to src/ (e.g. `lib/planner/context.ts`). */
  from: string
  /** Imported file relative to src/ for relative specifiers, else the bare specifier (`node:fs`). */
  to: string
  typeOnly: boolean
}

/** `path -> text` of every .ts file under `dir`, paths relative to `dir` with forward slashes. */
export function readSources(dir: string): Map<string, string> {
  const out = new Map<string, string>()
  const walk = (d: string): void => {
    for (const f of readdirSync(d)) {
      const p = join(d, f)
      if (statSync(p).isDirectory()) walk(p)
      else if (p.endsWith('.ts')) out.set(relative(dir, p).split('\\').join('/'), readFileSync(p, 'utf8'))
    }
  }

  walk(dir)
  return out
}

const IMPORT_RE =
  /^\s*(?:import|export)\s+(type\s+)?([^'"]*?)\s*from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm

/** The import edges of a set of sources (as returned by readSources). */
export function importEdges(sources: ReadonlyMap<string, string>): Edge[] {
  const edges: Edge[] = []
  for (const [from, text] of sources) {
    for (const m of text.matchAll(IMPORT_RE)) {
      const spec = m[3] ?? m[4] ?? m[5]
      if (!spec) continue
      const to = spec.startsWith('.')
        ? posix.normalize(posix.join(posix.dirname(from), spec)).replace(/\.js$/, '.ts')
        : spec
      // `import type {A}` and `import {type A, type B}` are both type-only.
      const names = m[2] ?? ''
      const inlineTypesOnly =
        /^\{[^}]*\}$/s.test(names.trim()) &&
        names
          .replaceAll(/[{}\s]/g, '')
          .split(',')
          .filter(Boolean)
          .every((n) => n.startsWith('type'))
      edges.push({from, to, typeOnly: Boolean(m[1]) || inlineTypesOnly})
    }
  }

  return edges
}

/** Strongly connected components of more than one node (or a self loop): each is a cycle. */
function cycles(nodes: Iterable<string>, next: (n: string) => Iterable<string>): string[][] {
  // Tarjan's algorithm, iterative enough for a few hundred files.
  let index = 0
  const idx = new Map<string, number>()
  const low = new Map<string, number>()
  const onStack = new Set<string>()
  const stack: string[] = []
  const out: string[][] = []
  const strong = (v: string): void => {
    idx.set(v, index)
    low.set(v, index++)
    stack.push(v)
    onStack.add(v)
    for (const w of next(v)) {
      if (!idx.has(w)) {
        strong(w)
        low.set(v, Math.min(low.get(v)!, low.get(w)!))
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!))
    }

    if (low.get(v) === idx.get(v)) {
      const scc: string[] = []
      let w: string
      do {
        w = stack.pop()!
        onStack.delete(w)
        scc.push(w)
      } while (w !== v)

      if (scc.length > 1 || [...next(v)].includes(v)) out.push(scc.sort())
    }
  }

  for (const n of nodes) if (!idx.has(n)) strong(n)
  return out.sort((a, b) => a[0]!.localeCompare(b[0]!))
}

const internal = (e: Edge) =>
  !e.to.startsWith('node:') &&
  (e.to.startsWith('lib/') || e.to.startsWith('commands/') || e.to.startsWith('hooks/') || e.to.endsWith('.ts'))

/** File cycles, each as its sorted member list joined by ` <-> `. */
export function fileCycles(edges: readonly Edge[]): string[] {
  const g = new Map<string, Set<string>>()
  for (const e of edges.filter(internal)) {
    if (!g.has(e.from)) g.set(e.from, new Set())
    g.get(e.from)!.add(e.to)
  }

  return cycles(g.keys(), (n) => g.get(n) ?? []).map((c) => c.join(' <-> '))
}

/** The folder of a file; a file directly in lib/ (errors.ts, runtime.ts) counts as its own folder. */
const folderOf = (file: string): string => (dirname(file) === 'lib' ? file : dirname(file))

/** Folder cycles: a file of folder A imports folder B and a file of B imports A (possibly via others). */
export function folderCycles(edges: readonly Edge[]): string[] {
  const g = new Map<string, Set<string>>()
  for (const e of edges.filter(internal)) {
    const a = folderOf(e.from)
    const b = folderOf(e.to)
    if (a === b) continue
    if (!g.has(a)) g.set(a, new Set())
    g.get(a)!.add(b)
  }

  return cycles(g.keys(), (n) => g.get(n) ?? []).map((c) => c.join(' <-> '))
}

/**
 * The layers, top to bottom. A file may import its own area, and areas of lower layers; it never
 * imports a higher layer, and never a peer area of its own layer, except through PEER_CONTRACTS.
 * Areas are folders under src/lib (or single files at its root).
 */
const LAYERS: readonly (readonly string[])[] = [
  ['commands', 'hooks', 'help.ts'],
  // Command families: the shared body of a group of commands (the ad-hoc verbs, the sandbox topic).
  ['lib/adhoc-command.ts', 'lib/sandbox-command.ts'],
  // The composition root and the CLI support every command shares: command base class and flags,
  // then the CLI plumbing (error documents, suggestions), then result rendering.
  ['lib/runtime.ts', 'lib/base-command.ts', 'lib/command-flags.ts'],
  ['lib/cli'],
  ['lib/output'],
  ['lib/driver', 'lib/doctor', 'lib/sandbox', 'lib/explain'],
  ['lib/reconciler', 'lib/metrics', 'lib/drain'],
  ['lib/planner', 'lib/kernel', 'lib/ovs', 'lib/frr'],
  ['lib/nb', 'lib/config', 'lib/net', 'lib/exec'],
  ['lib/log-file.ts'],
  ['lib/errors.ts', 'lib/log.ts', 'lib/journal-stream.ts', 'lib/event-turns.ts'],
  ['lib/ovsdb'],
]

/**
 * Files a peer area may import: the operation vocabulary the datapath layers (kernel, ovs, frr)
 * share with the planner, the address value types every layer uses, and the base class of every
 * command (which command families such as sandbox-command.ts extend).
 */
const PEER_CONTRACTS: readonly string[] = ['lib/planner/types.ts', 'lib/net/', 'lib/base-command.ts']

/** The area (`lib/planner`, `lib/errors.ts`, `commands`) a src-relative path belongs to. */
function areaOf(path: string): string | undefined {
  for (const layer of LAYERS) for (const a of layer) if (path === a || path.startsWith(`${a}/`)) return a
  return undefined
}

function layerOf(area: string): number {
  return LAYERS.findIndex((l) => l.includes(area))
}

/** Imports that go up the layer order, or sideways to a peer outside the contracts. */
export function layerViolations(edges: readonly Edge[]): string[] {
  const out: string[] = []
  for (const e of edges.filter(internal)) {
    const a = areaOf(e.from)
    const b = areaOf(e.to)
    if (a === undefined || b === undefined) {
      out.push(`${e.from} -> ${e.to} (file outside every layer)`)
      continue
    }

    if (a === b) continue
    const la = layerOf(a)
    const lb = layerOf(b)
    if (lb < la) out.push(`${e.from} -> ${e.to} (upward: ${a} is below ${b})`)
    else if (lb === la && !PEER_CONTRACTS.some((c) => e.to === c || (c.endsWith('/') && e.to.startsWith(c))))
      out.push(`${e.from} -> ${e.to} (sideways: ${a} and ${b} are peers)`)
  }

  return out.sort()
}
