// The flag contract: every command's flags (own, base and --json) and args, snapshotted in
// flags.snapshot.json. Any difference fails with a diff; a removed or renamed flag (or argument, or
// command) is reported as a breaking change. After an intended change:
//   UPDATE_SNAPSHOTS=1 npx mocha test/contracts/flags.test.ts
import {expect} from 'chai'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {loadCommands} from '../../scripts/gen-man.js'

const SNAPSHOT = join(dirname(fileURLToPath(import.meta.url)), 'flags.snapshot.json')

interface RawFlag {
  type?: string
  char?: string
  multiple?: boolean
  allowNo?: boolean
  options?: readonly string[]
  exclusive?: readonly string[]
  dependsOn?: readonly string[]
  exactlyOne?: readonly string[]
  required?: boolean
  hidden?: boolean
}

interface RawArg {
  required?: boolean
  options?: readonly string[]
  multiple?: boolean
}

interface RawCommand {
  flags?: Record<string, RawFlag>
  baseFlags?: Record<string, RawFlag>
  args?: Record<string, RawArg>
  enableJsonFlag?: boolean
}

interface FlagShape {
  type: string
  char?: string
  multiple: boolean
  allowNo: boolean
  required: boolean
  hidden: boolean
  options?: string[]
  exclusive?: string[]
  dependsOn?: string[]
  exactlyOne?: string[]
}

interface ArgShape {
  required: boolean
  multiple: boolean
  options?: string[]
}

interface CommandShape {
  flags: Record<string, FlagShape>
  args: Record<string, ArgShape>
}

type FlagSnapshot = Record<string, CommandShape>

const sorted = <T>(o: Record<string, T>): Record<string, T> =>
  Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
const list = (xs: readonly string[] | undefined): string[] | undefined =>
  xs && xs.length > 0 ? [...xs].sort() : undefined

function flagShape(f: RawFlag): FlagShape {
  const shape: FlagShape = {
    type: f.type ?? 'option',
    multiple: Boolean(f.multiple),
    allowNo: Boolean(f.allowNo),
    required: Boolean(f.required),
    hidden: Boolean(f.hidden),
  }
  if (f.char) shape.char = f.char
  // options keep their order (it is the order help and completion show); relation lists are sets
  if (f.options && f.options.length > 0) shape.options = [...f.options]
  const exclusive = list(f.exclusive)
  const dependsOn = list(f.dependsOn)
  const exactlyOne = list(f.exactlyOne)
  if (exclusive) shape.exclusive = exclusive
  if (dependsOn) shape.dependsOn = dependsOn
  if (exactlyOne) shape.exactlyOne = exactlyOne
  return shape
}

/** What the commands accept now, as oclif assembles it (base flags, own flags, --json). */
async function currentFlags(): Promise<FlagSnapshot> {
  const out: FlagSnapshot = {}
  for (const {id, cls} of await loadCommands()) {
    const c = cls as RawCommand
    const flags: Record<string, RawFlag> = {...c.baseFlags, ...c.flags}
    if (c.enableJsonFlag) flags.json = {type: 'boolean'}
    const args: Record<string, ArgShape> = {}
    for (const [name, a] of Object.entries(c.args ?? {})) {
      const shape: ArgShape = {required: Boolean(a.required), multiple: Boolean(a.multiple)}
      if (a.options && a.options.length > 0) shape.options = [...a.options]
      args[name] = shape
    }

    out[id] = {flags: sorted(Object.fromEntries(Object.entries(flags).map(([n, f]) => [n, flagShape(f)]))), args}
  }

  return out
}

interface FlagDiff {
  breaking: string[]
  changed: string[]
  added: string[]
}

/** The differences between the snapshot (`was`) and the commands (`now`), classified. */
function diffFlags(was: FlagSnapshot, now: FlagSnapshot): FlagDiff {
  const d: FlagDiff = {breaking: [], changed: [], added: []}
  for (const id of Object.keys(was)) {
    const w = was[id]!
    const n = now[id]
    if (!n) {
      d.breaking.push(`command ${id} removed or renamed`)
      continue
    }

    for (const [name, wf] of Object.entries(w.flags)) {
      const nf = n.flags[name]
      if (!nf) {
        d.breaking.push(`${id}: flag --${name} removed or renamed`)
        continue
      }

      const keys = [...new Set([...Object.keys(wf), ...Object.keys(nf)])].sort()
      for (const k of keys) {
        const a = JSON.stringify((wf as unknown as Record<string, unknown>)[k])
        const b = JSON.stringify((nf as unknown as Record<string, unknown>)[k])
        if (a === b) continue
        const line = `${id}: --${name} ${k}: ${a ?? 'unset'} -> ${b ?? 'unset'}`
        const removedOption =
          k === 'options' && ((wf.options ?? []).some((o) => !(nf.options ?? []).includes(o)) || !nf.options)
        const breaks =
          removedOption ||
          k === 'type' ||
          k === 'multiple' ||
          (k === 'char' && wf.char !== undefined) ||
          (k === 'allowNo' && wf.allowNo) ||
          (k === 'required' && nf.required) ||
          ((k === 'exclusive' || k === 'dependsOn' || k === 'exactlyOne') &&
            (JSON.parse(b ?? '[]') as string[]).some((x) => !(JSON.parse(a ?? '[]') as string[]).includes(x)))
        ;(breaks ? d.breaking : d.changed).push(line)
      }
    }

    for (const name of Object.keys(n.flags))
      if (!w.flags[name])
        d.added.push(`${id}: flag --${name} added${n.flags[name]!.required ? ' (required: breaking)' : ''}`)
    for (const [name, wa] of Object.entries(w.args)) {
      const na = n.args[name]
      if (!na) d.breaking.push(`${id}: argument ${name} removed or renamed`)
      else if (JSON.stringify(wa) !== JSON.stringify(na))
        d.changed.push(`${id}: argument ${name}: ${JSON.stringify(wa)} -> ${JSON.stringify(na)}`)
    }

    const wArgs = Object.keys(w.args)
    const nArgs = Object.keys(n.args)
    if (wArgs.join(',') !== nArgs.slice(0, wArgs.length).join(',') && wArgs.every((a) => nArgs.includes(a)))
      d.breaking.push(`${id}: arguments reordered: ${wArgs.join(' ')} -> ${nArgs.join(' ')}`)
    for (const name of nArgs) if (!w.args[name]) d.added.push(`${id}: argument ${name} added`)
  }

  for (const id of Object.keys(now)) if (!was[id]) d.added.push(`command ${id} added`)
  return d
}

/** One line per flag and argument, so that a change shows as a one-line git diff. */
function serialize(s: FlagSnapshot): string {
  const block = (o: Record<string, unknown>, indent: string): string => {
    const rows = Object.entries(o).map(([k, v]) => `${indent}  ${JSON.stringify(k)}: ${JSON.stringify(v)}`)
    return rows.length > 0 ? `{\n${rows.join(',\n')}\n${indent}}` : '{}'
  }

  const cmds = Object.entries(s).map(
    ([id, c]) =>
      `  ${JSON.stringify(id)}: {\n    "flags": ${block(c.flags, '    ')},\n    "args": ${block(c.args, '    ')}\n  }`,
  )
  return `{\n${cmds.join(',\n')}\n}\n`
}

function formatDiff(d: FlagDiff): string {
  const out: string[] = []
  if (d.breaking.length > 0)
    out.push(
      'BREAKING CHANGE to the command-line contract (scripts using these flags will fail):',
      ...d.breaking.map((l) => `  - ${l}`),
    )
  if (d.changed.length > 0) out.push('changed:', ...d.changed.map((l) => `  ~ ${l}`))
  if (d.added.length > 0) out.push('added:', ...d.added.map((l) => `  + ${l}`))
  out.push(
    `if intended, update the snapshot: UPDATE_SNAPSHOTS=1 npx mocha test/contracts/flags.test.ts${d.breaking.length > 0 ? ' (and call out the breaking change in the release notes)' : ''}`,
  )
  return out.join('\n')
}

describe('contract: command flags (flags.snapshot.json)', function () {
  this.timeout(120_000)
  let now: FlagSnapshot

  before(async () => {
    now = await currentFlags()
  })

  it('every command has the base flags and --json', () => {
    expect(Object.keys(now).length).to.be.greaterThan(0)
    for (const [id, c] of Object.entries(now))
      expect(Object.keys(c.flags), id).to.include.members([
        'config-file',
        'config-dir',
        'log-level',
        'log-json',
        'json',
      ])
  })

  it('matches the snapshot', () => {
    if (process.env.UPDATE_SNAPSHOTS === '1' || !existsSync(SNAPSHOT)) {
      writeFileSync(SNAPSHOT, serialize(now))
      if (process.env.UPDATE_SNAPSHOTS !== '1')
        throw new Error(`${SNAPSHOT} was missing and has been written: review and commit it`)
      return
    }

    const was = JSON.parse(readFileSync(SNAPSHOT, 'utf8')) as FlagSnapshot
    const d = diffFlags(was, now)
    const differs = d.breaking.length + d.changed.length + d.added.length > 0
    if (differs) expect.fail(`the flags differ from test/contracts/flags.snapshot.json\n${formatDiff(d)}`)
    // anything the classified diff could miss (key order aside) still fails
    expect(JSON.stringify(now), 'flags.snapshot.json differs').to.equal(JSON.stringify(was))
  })

  it('reports a removed or renamed flag as breaking, an added one as an addition', () => {
    const was: FlagSnapshot = {
      sync: {
        flags: {'dry-run': {type: 'boolean', multiple: false, allowNo: false, required: false, hidden: false}},
        args: {},
      },
    }
    const renamed: FlagSnapshot = {sync: {flags: {dryrun: was.sync!.flags['dry-run']!}, args: {}}}
    const d = diffFlags(was, renamed)
    expect(d.breaking).to.deep.equal(['sync: flag --dry-run removed or renamed'])
    expect(d.added).to.deep.equal(['sync: flag --dryrun added'])
    expect(formatDiff(d)).to.match(/^BREAKING CHANGE/)
    expect(diffFlags(was, {}).breaking).to.deep.equal(['command sync removed or renamed'])
    const optionDropped = diffFlags(
      {
        doctor: {
          flags: {
            check: {
              type: 'option',
              multiple: true,
              allowNo: false,
              required: false,
              hidden: false,
              options: ['a', 'b'],
            },
          },
          args: {},
        },
      },
      {
        doctor: {
          flags: {
            check: {type: 'option', multiple: true, allowNo: false, required: false, hidden: false, options: ['a']},
          },
          args: {},
        },
      },
    )
    expect(optionDropped.breaking).to.have.length(1)
  })
})
