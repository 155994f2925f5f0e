// Generates the man pages from the command classes: man/ovn-bgp-<command>.8 for every file in
// src/commands/ and the overview man/ovn-bgp.8. Run: `npm run man` (node --import tsx scripts/gen-man.ts).
//
// Contract: the output depends only on the sources (no date, no version, no environment), so
// test/man.test.ts can regenerate every page in memory and compare it with man/ (drift check).
// Everything taken from a source is escaped for roff: `\` -> `\e`, `-` -> `\-`, a line starting
// with `.` or `'` gets `\&`; `backticks` become bold.
import {readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {dirname, join, relative, sep} from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'

import {parseDescription} from '../src/lib/output/reflow.js'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
export const COMMANDS_DIR = join(ROOT, 'src', 'commands')
export const MAN_DIR = join(ROOT, 'man')
const BIN = 'ovn-bgp'

interface FlagLike {
  type?: 'boolean' | 'option'
  char?: string
  summary?: string
  description?: string
  options?: readonly string[]
  default?: unknown
  multiple?: boolean
  allowNo?: boolean
  helpValue?: string | string[]
  helpGroup?: string
  hidden?: boolean
}

interface ArgLike {
  description?: string
  required?: boolean
}

type Example = string | {description?: string; command: string}

/** The static fields of an oclif command class that the pages are made of. */
export interface CommandLike {
  summary?: string
  description?: string
  examples?: readonly Example[]
  flags?: Record<string, FlagLike>
  baseFlags?: Record<string, FlagLike>
  args?: Record<string, ArgLike>
  enableJsonFlag?: boolean
  strict?: boolean
  hidden?: boolean
}

export interface LoadedCommand {
  /** The command as typed, topic words separated by spaces: `sync`, `sandbox up`. */
  id: string
  /** The page name after `ovn-bgp-`: `sync`, `sandbox-up` (a topic's index command: `sandbox`). */
  page: string
  /** The source file, relative to the project root. */
  source: string
  cls: CommandLike
}

/** Every command file under `dir` (topics are folders; a topic's index.ts is the topic's own command). */
export function commandFiles(dir = COMMANDS_DIR): {file: string; id: string; page: string}[] {
  const files = (readdirSync(dir, {recursive: true}) as string[]).filter(
    (f) => f.endsWith('.ts') && !f.endsWith('.d.ts'),
  )
  return files
    .map((file) => {
      const words = file
        .replace(/\.ts$/, '')
        .split(sep)
        .filter((w, i, all) => !(w === 'index' && i === all.length - 1))
      return {file, id: words.join(' '), page: words.join('-')}
    })
    .sort((a, b) => (a.page < b.page ? -1 : a.page > b.page ? 1 : 0))
}

/** Every command file's default export, sorted by page name. */
export async function loadCommands(dir = COMMANDS_DIR): Promise<LoadedCommand[]> {
  const out: LoadedCommand[] = []
  for (const {file, id, page} of commandFiles(dir)) {
    const mod = (await import(pathToFileURL(join(dir, file)).href)) as {default?: CommandLike}
    if (!mod.default) throw new Error(`${file}: no default export (an oclif command class)`)
    out.push({id, page, source: relative(ROOT, join(dir, file)).split(sep).join('/'), cls: mod.default})
  }

  return out
}

/** Every flag a command accepts, as oclif assembles them: own flags, base flags, --json. */
export function allFlags(cls: CommandLike): Record<string, FlagLike> {
  const flags: Record<string, FlagLike> = {...cls.baseFlags, ...cls.flags}
  if (cls.enableJsonFlag)
    flags.json = {
      type: 'boolean',
      summary: 'Print the result as one JSON document on stdout (logs stay on stderr).',
      helpGroup: 'GLOBAL',
    }
  return Object.fromEntries(Object.entries(flags).filter(([, f]) => !f.hidden))
}

// ---- roff text

/** Escapes text for roff, keeping `code` spans as bold. */
export function esc(text: string): string {
  const escaped = text.replaceAll('\\', String.raw`\e`).replaceAll('-', String.raw`\-`)
  return escaped
    .replaceAll(/`([^`\n]+)`/g, String.raw`\fB$1\fR`)
    .split('\n')
    .map((l) => (/^[.']/.test(l) ? `\\&${l}` : l))
    .join('\n')
}

function template(text: string, id: string): string {
  return text.replaceAll(/<%=\s*config\.bin\s*%>/g, BIN).replaceAll(/<%=\s*command\.id\s*%>/g, id)
}

/**
 * Prose from a description: blank lines separate paragraphs; runs of lines indented by two or more
 * spaces are printed as they are (tables, commands), the other runs are filled; a paragraph whose
 * first line starts with `- ` is a list (continuation lines belong to the item above).
 */
export function prose(text: string): string {
  const out: string[] = []
  for (const block of parseDescription(text)) {
    if (block.kind === 'list') {
      for (const item of block.items) out.push(String.raw`.IP \(bu 2`, esc(item.join('\n')))
      continue
    }

    for (const [i, run] of block.runs.entries()) {
      if (run.indented) {
        const cut = Math.min(...run.lines.map((l) => /^\s*/.exec(l)?.[0].length ?? 0))
        out.push(...(i === 0 ? ['.PP'] : []), '.RS 4', '.nf', ...run.lines.map((l) => esc(l.slice(cut))), '.fi', '.RE')
      } else {
        out.push(i === 0 ? '.PP' : '.br', esc(run.lines.map((l) => l.trim()).join('\n')))
      }
    }
  }

  return out.join('\n')
}

function flagHead(name: string, f: FlagLike): string {
  const parts: string[] = []
  if (f.char) parts.push(`\\fB\\-${esc(f.char)}\\fR`)
  parts.push(`\\fB\\-\\-${esc(name)}\\fR`)
  if (f.type === 'boolean' && f.allowNo) parts.push(`\\fB\\-\\-no\\-${esc(name)}\\fR`)
  let head = parts.join(', ')
  if (f.type !== 'boolean') {
    const hv = Array.isArray(f.helpValue) ? f.helpValue.join('|') : f.helpValue
    const value = hv ?? (f.options ? f.options.join('|') : '<value>')
    head += ` \\fI${esc(value.replace(/^<(.*)>$/, '$1'))}\\fR`
  }

  return head
}

function flagBody(f: FlagLike): string {
  const lines: string[] = []
  if (f.summary) lines.push(esc(f.summary))
  if (f.description && f.description !== f.summary) lines.push(esc(f.description.trim()))
  const notes: string[] = []
  if (f.options && f.type !== 'boolean') notes.push(`Possible values: ${f.options.join(', ')}.`)
  if (f.default !== undefined && typeof f.default !== 'function' && f.default !== false)
    notes.push(`Default: ${String(f.default)}.`)
  if (f.multiple) notes.push('May be given more than once.')
  if (notes.length > 0) lines.push(esc(notes.join(' ')))
  return lines.join('\n') || esc('(no description)')
}

const GROUP_TITLES: Record<string, string> = {CONFIG: 'Configuration options', GLOBAL: 'Global options'}

function optionsSection(cls: CommandLike): string {
  const groups = new Map<string, Array<[string, FlagLike]>>()
  for (const [name, f] of Object.entries(allFlags(cls))) {
    const g = f.helpGroup ?? ''
    groups.set(g, [...(groups.get(g) ?? []), [name, f]])
  }

  const order = [...groups.keys()].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
  const out: string[] = ['.SH OPTIONS']
  for (const g of order) {
    if (g !== '') out.push(`.SS ${esc(GROUP_TITLES[g] ?? g)}`)
    for (const [name, f] of groups.get(g) ?? []) out.push('.TP', flagHead(name, f), flagBody(f))
  }

  return out.join('\n')
}

function rank(group: string): number {
  return group === '' ? 0 : group === 'GLOBAL' ? 2 : 1
}

// ---- shared sections

export interface ExitCodeDoc {
  code: number
  name: string
  meaning: string
}

/** The ExitCode table with its doc comments, read from src/lib/errors.ts (the single source). */
export function exitCodes(): ExitCodeDoc[] {
  const text = readFileSync(join(ROOT, 'src', 'lib', 'errors.ts'), 'utf8')
  const block = /export const ExitCode = \{([\s\S]*?)\n\} as const/.exec(text)?.[1] ?? ''
  const out: ExitCodeDoc[] = []
  for (const m of block.matchAll(/\/\*\*\s*([\s\S]*?)\s*\*\/\s*(\w+):\s*(\d+)/g)) {
    out.push({meaning: (m[1] ?? '').replaceAll(/\s*\n\s*\*?\s*/g, ' '), name: m[2] ?? '', code: Number(m[3])})
  }

  if (out.length === 0) throw new Error('src/lib/errors.ts: ExitCode table not found')
  return out
}

function exitStatusSection(): string {
  return [
    '.SH EXIT STATUS',
    ...exitCodes().flatMap((e) => ['.TP', `.B ${e.code}`, esc(`${e.meaning} (${e.name})`)]),
  ].join('\n')
}

const FILES: Array<[string, string]> = [
  [
    '/etc/ovn-bgp-agent/bgp-agent.conf',
    'Configuration file (oslo INI), shared with the upstream ovn-bgp-agent; read when given with --config-file.',
  ],
  [
    '/etc/iproute2/rt_tables',
    'Names of the routing tables ovn-bgp allocates for provider bridges (option rt_tables_path).',
  ],
  ['/run/frr/', 'FRR vty sockets that vtysh connects to (option frr_vty_socket).'],
  [
    '/var/lib/ovn-bgp',
    'State directory: the ledger of neighbour entries and NDP proxies ovn-bgp owns (option state_dir).',
  ],
]

function filesSection(): string {
  return ['.SH FILES', ...FILES.flatMap(([path, what]) => ['.TP', `.I ${esc(path)}`, esc(what)])].join('\n')
}

function seeAlso(extra: string[] = [], overview = true): string {
  const refs = [...extra, ...(overview ? [`${BIN}(8)`] : []), 'ip(8)', 'ovs-ofctl(8)', 'vtysh(1)', 'ovn-nb(5)']
  const uniq = [...new Set(refs)]
  return [
    '.SH SEE ALSO',
    uniq
      .map(
        (r, i) =>
          `.BR ${esc(r.replace(/\((\d)\)$/, ''))} (${/\((\d)\)$/.exec(r)?.[1] ?? '8'})${i < uniq.length - 1 ? ',' : ''}`,
      )
      .join('\n'),
  ].join('\n')
}

function header(name: string, source: string): string {
  return [
    `.\\" Generated by scripts/gen-man.ts from ${source}; edit the source and run \`npm run man\`.`,
    `.TH ${esc(name.toUpperCase())} 8 "" "${esc(BIN)}" "System Administration"`,
    String.raw`.\" identifiers must not be hyphenated, and ragged-right reads better than justified`,
    '.nh',
    '.ad l',
  ].join('\n')
}

// ---- pages

export function renderCommandPage(cmd: LoadedCommand): string {
  const {id, cls} = cmd
  const name = `${BIN}-${cmd.page}`
  const summary = template(cls.summary ?? cls.description?.split('\n')[0] ?? '', id).replace(/\.$/, '')
  const args = Object.entries(cls.args ?? {})
  const synopsis = [
    `.B ${esc(`${BIN} ${id}`)}`,
    String.raw`[\fIOPTIONS\fR]`,
    ...args.map(([a, spec]) =>
      spec.required ? `\\fI${esc(a.toUpperCase())}\\fR` : `[\\fI${esc(a.toUpperCase())}\\fR]`,
    ),
  ]
  if (cls.strict === false && args.length > 0) synopsis.push(String.raw`\&...`)
  const out = [
    header(name, cmd.source),
    '.SH NAME',
    `${esc(name)} \\- ${esc(summary)}`,
    '.SH SYNOPSIS',
    synopsis.join('\n'),
    '.SH DESCRIPTION',
    prose(template(cls.description ?? cls.summary ?? '', id)),
  ]
  if (args.length > 0) {
    out.push('.SH ARGUMENTS')
    for (const [a, spec] of args)
      out.push(
        '.TP',
        `\\fI${esc(a.toUpperCase())}\\fR`,
        esc(spec.description ?? '') + (spec.required ? '' : esc(' (optional)')),
      )
  }

  out.push(optionsSection(cls), exitStatusSection(), filesSection())
  const examples = cls.examples ?? []
  if (examples.length > 0) {
    out.push('.SH EXAMPLES')
    for (const ex of examples) {
      const {description, command} = typeof ex === 'string' ? {description: undefined, command: ex} : ex
      if (description) out.push('.PP', esc(template(description, id)))
      out.push('.PP', '.RS 4', '.nf', esc(template(command, id)), '.fi', '.RE')
    }
  }

  out.push(seeAlso())
  return out.join('\n') + '\n'
}

interface OptionDoc {
  name: string
  section: string
  type: string
  default: unknown
  summary: string
}

async function configOptions(): Promise<OptionDoc[]> {
  const {OPTIONS} = (await import(pathToFileURL(join(ROOT, 'src', 'lib', 'config', 'schema.ts')).href)) as {
    OPTIONS: Record<string, {section: string; type: string; default: unknown; summary: string}>
  }
  return Object.entries(OPTIONS).map(([name, o]) => ({
    name,
    section: o.section,
    type: o.type,
    default: o.default,
    summary: o.summary,
  }))
}

async function metricFamilies(): Promise<
  Array<{name: string; help: string; type: string; labelNames: readonly string[]}>
> {
  const {AgentMetrics} = (await import(
    pathToFileURL(join(ROOT, 'src', 'lib', 'metrics', 'agent-metrics.ts')).href
  )) as {
    AgentMetrics: new () => {
      registry: {describe(): Array<{name: string; help: string; type: string; labelNames: readonly string[]}>}
    }
  }
  return new AgentMetrics().registry.describe()
}

function showDefault(v: unknown): string {
  if (v === undefined) return 'unset'
  if (Array.isArray(v)) return v.length > 0 ? v.join(',') : 'empty'
  if (v !== null && typeof v === 'object') return Object.keys(v).length > 0 ? JSON.stringify(v) : 'empty'
  return String(v)
}

export async function renderMainPage(cmds: LoadedCommand[]): Promise<string> {
  const out = [
    header(BIN, 'scripts/gen-man.ts and the command classes'),
    '.SH NAME',
    `${esc(BIN)} \\- expose OVN workload addresses over BGP (underlay method)`,
    '.SH SYNOPSIS',
    `.B ${esc(BIN)}`,
    String.raw`\fICOMMAND\fR [\fIOPTIONS\fR]`,
    '.br',
    `.B ${esc(BIN)}`,
    String.raw`\fICOMMAND\fR \fB\-\-help\fR`,
    '.SH DESCRIPTION',
    prose(`ovn-bgp watches the OVN Northbound database and advertises the addresses of workloads bound to this
node over BGP: it puts each address on the dummy device \`bgp_nic\` inside the VRF \`bgp_vrf\`, which FRR
leaks into its default BGP instance, and wires the return path in the kernel (ip rules and routes in one
table per provider bridge, static neighbours, NDP proxies, VLAN devices) and in OVS (flows with cookie
999 on the provider bridges). It reads the configuration file of the OpenStack ovn-bgp-agent unchanged.

The \`watch\` command is the daemon; the other commands inspect the node or apply one change by hand.`),
    '.SH COMMANDS',
  ]
  for (const c of cmds) out.push('.TP', `.BR ${esc(`${BIN}-${c.page}`)} (8)`, esc(template(c.cls.summary ?? '', c.id)))
  out.push(
    '.SH CONFIGURATION',
    prose(`Values come from, lowest to highest: the defaults below; the files given with --config-file (repeatable,
later files win) and the *.conf files of --config-dir in sorted order; environment variables
OVN_BGP_<OPTION> (the option name in upper case); command-line flags --<option> (lower case, \`_\` as \`-\`).
Each command accepts the flags of the options it uses. Sections: [DEFAULT], [ovn] (its options are
also accepted, deprecated, in [DEFAULT]) and [agent].`),
  )
  for (const o of await configOptions()) {
    out.push(
      '.TP',
      `\\fB${esc(o.name)}\\fR [${esc(o.section)}] \\fI${esc(o.type)}\\fR`,
      esc(`${o.summary} Default: ${showDefault(o.default)}.`),
    )
  }

  out.push(
    '.SH METRICS',
    prose(`With metrics_address (host:port) set, \`ovn-bgp watch\` serves Prometheus metrics on /metrics, liveness on
/healthz (200 while the process runs) and readiness on /readyz (200 after the first full reconcile,
503 with the reason before). The metrics:`),
  )
  for (const m of await metricFamilies()) {
    const labels = m.labelNames.length > 0 ? ` {${m.labelNames.join(', ')}}` : ''
    out.push('.TP', `\\fB${esc(m.name)}\\fR ${esc(m.type)}${esc(labels)}`, esc(m.help))
  }

  out.push(
    exitStatusSection(),
    filesSection(),
    seeAlso(
      cmds.map((c) => `${BIN}-${c.page}(8)`),
      false,
    ),
  )
  return out.join('\n') + '\n'
}

/** Every page, file name -> content. */
export async function generatePages(): Promise<Map<string, string>> {
  const cmds = await loadCommands()
  const pages = new Map<string, string>()
  for (const c of cmds) pages.set(`${BIN}-${c.page}.8`, renderCommandPage(c))
  pages.set(`${BIN}.8`, await renderMainPage(cmds))
  return pages
}

async function main(): Promise<void> {
  const pages = await generatePages()
  for (const f of readdirSync(MAN_DIR)) {
    if (f.endsWith('.8') && !pages.has(f)) rmSync(join(MAN_DIR, f))
  }

  for (const [f, text] of pages) writeFileSync(join(MAN_DIR, f), text)
  process.stdout.write(`wrote ${pages.size} pages to man/\n`)
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main()
