// References from code to the documentation resolve: every `docs/<page>.md#anchor` (and
// `CONTRIBUTING.md#anchor`, `README.md#anchor`) written in src/ or test/ names an existing page and
// a heading of it, and no reference to a specification outside the repository (`§`) is left.
import {expect} from 'chai'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

import {readSources} from './helpers/import-graph.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as '-'; repeats get -1, -2. */
function headingAnchors(markdown: string): Set<string> {
  const out = new Set<string>()
  const seen = new Map<string, number>()
  let fenced = false
  for (const line of markdown.split('\n')) {
    if (/^(```|~~~)/.test(line)) fenced = !fenced
    const m = fenced ? null : /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line)
    if (!m) continue
    const base = m[1]!
      .toLowerCase()
      .replaceAll(/[^\p{L}\p{N}\s_-]/gu, '')
      .replaceAll(/\s/g, '-')
    const n = seen.get(base) ?? 0
    seen.set(base, n + 1)
    out.add(n === 0 ? base : `${base}-${n}`)
  }

  return out
}

/** A section sign, "spec 6.5" or "bug 11.15": numbering of a specification a clone does not have. */
const OUTSIDE = /\u00A7|\bspec \d|\bbug 11\.\d|nb-driver\.md|harness\.md/

const REF = /\b((?:docs\/[\w.-]+|CONTRIBUTING|README)\.md)#([\w-]+)/g

function references(): {where: string; page: string; anchor: string}[] {
  const out: {where: string; page: string; anchor: string}[] = []
  for (const dir of ['src', 'test']) {
    for (const [file, text] of readSources(join(root, dir))) {
      if (file === 'docs-references.test.ts') continue
      for (const [i, line] of text.split('\n').entries()) {
        for (const m of line.matchAll(REF)) out.push({where: `${dir}/${file}:${i + 1}`, page: m[1]!, anchor: m[2]!})
      }
    }
  }

  return out
}

describe('documentation references', () => {
  const refs = references()
  const anchors = new Map<string, Set<string>>()
  const anchorsOf = (page: string): Set<string> | undefined => {
    if (!anchors.has(page)) {
      const p = join(root, page)
      if (!existsSync(p)) return undefined
      anchors.set(page, headingAnchors(readFileSync(p, 'utf8')))
    }

    return anchors.get(page)
  }

  it('finds the references the code makes to docs/upstream-behaviour.md', () => {
    expect(refs.filter((r) => r.page === 'docs/upstream-behaviour.md').length).to.be.greaterThan(50)
  })

  it('every docs/...#anchor in src/ and test/ names an existing heading', () => {
    const broken = refs.filter((r) => !anchorsOf(r.page)?.has(r.anchor)).map((r) => `${r.where}: ${r.page}#${r.anchor}`)
    expect(broken).to.deep.equal([])
  })

  it('no source file refers to the numbering of an outside specification', () => {
    const left: string[] = []
    for (const dir of ['src', 'test']) {
      for (const [file, text] of readSources(join(root, dir))) {
        if (file === 'docs-references.test.ts') continue
        for (const [i, line] of text.split('\n').entries())
          OUTSIDE.test(line) && left.push(`${dir}/${file}:${i + 1}: ${line.trim()}`)
      }
    }

    expect(left).to.deep.equal([])
  })

  it('every link between docs pages with an anchor names an existing heading', () => {
    const broken: string[] = []
    for (const page of readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md'))) {
      const text = readFileSync(join(root, 'docs', page), 'utf8')
      for (const m of text.matchAll(/\]\(([\w.-]+\.md)?#([\w-]+)\)/g)) {
        const target = `docs/${m[1] ?? page}`
        if (!anchorsOf(target)?.has(m[2]!)) broken.push(`docs/${page}: ${target}#${m[2]}`)
      }
    }

    expect(broken).to.deep.equal([])
  })

  it('computes anchors as GitHub does (punctuation dropped, repeats numbered, code blocks skipped)', () => {
    const a = headingAnchors(
      '# Title\n## `expose_ip`\n### Bug 16: rt_tables handling\n```\n# not a heading\n```\n## Title\n### DEFAULT options',
    )
    expect([...a]).to.deep.equal(['title', 'expose_ip', 'bug-16-rt_tables-handling', 'title-1', 'default-options'])
  })
})
