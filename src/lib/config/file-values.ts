// Reading configuration files and directories (oslo semantics) and picking, per option, the raw value
// that the files give it. Conversion to typed values happens later, only for the value that wins.
//
// Order (oslo.config): every --config-file in the order given, then for every --config-dir its `*.conf`
// files (dot-files excluded, like Python's glob) in sorted order. A later file wins over an earlier one.
// Inside one file the [ovn] name wins over its deprecated [DEFAULT] alias; across files, oslo looks at
// the newest file first and takes either name from it, so a later file's alias beats an earlier [ovn].
import {readdir, readFile} from 'node:fs/promises'
import path from 'node:path'

import type {ConfigSourceArg} from './source-order.js'
import type {ValueSource} from './sources.js'

import {ConfigError} from '../errors.js'
import {type IniEntry, type IniFile, parseIni} from './ini.js'
import {IGNORED_UPSTREAM_OPTIONS, isOptionName, OPTION_NAMES, type OptionName, OPTIONS, type Section} from './schema.js'

/** The only I/O of the config loader; tests pass an in-memory implementation. */
export interface ConfigFs {
  readFile(file: string): Promise<string>
  readdir(dir: string): Promise<string[]>
}

export const nodeConfigFs: ConfigFs = {
  readFile: (file) => readFile(file, 'utf8'),
  readdir: (dir) => readdir(dir),
}

export interface RawValue {
  raw: string
  source: Extract<ValueSource, {kind: 'file'}>
}

export interface FileValues {
  values: Map<OptionName, RawValue>
  warnings: string[]
  /** Files read, in precedence order (last wins). */
  files: string[]
}

function reason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  if (code === 'ENOENT') return 'not found'
  if (code === 'EACCES') return 'permission denied'
  if (code === 'ENOTDIR') return 'not a directory'
  if (code === 'EISDIR') return 'is a directory'
  return err instanceof Error ? err.message : String(err)
}

/**
 * Lists the files to read: `files` as given, then each dir's `*.conf` sorted; or, with `order`
 * (command-line order, see source-order.ts), each file or directory in that order.
 */
async function configFileList(
  fs: ConfigFs,
  files: readonly string[],
  dirs: readonly string[],
  order?: readonly ConfigSourceArg[],
): Promise<string[]> {
  const sources = order ?? [
    ...files.map((path) => ({kind: 'file' as const, path})),
    ...dirs.map((path) => ({kind: 'dir' as const, path})),
  ]
  const out: string[] = []
  for (const src of sources) {
    if (src.kind === 'file') {
      out.push(src.path)
      continue
    }

    const dir = src.path
    let names: string[]
    try {
      names = await fs.readdir(dir)
    } catch (error) {
      throw new ConfigError(`cannot read configuration directory ${dir} (--config-dir): ${reason(error)}`)
    }

    const confs = names.filter((n) => n.endsWith('.conf') && !n.startsWith('.')).map((n) => path.join(dir, n))
    out.push(...confs.sort())
  }

  return out
}

async function readIniFiles(fs: ConfigFs, files: readonly string[]): Promise<IniFile[]> {
  const out: IniFile[] = []
  for (const file of files) {
    let text: string
    try {
      text = await fs.readFile(file)
    } catch (error) {
      throw new ConfigError(`cannot read configuration file ${file}: ${reason(error)}`, {code: 'CONFIG_FILE_MISSING'})
    }

    out.push(parseIni(text, file))
  }

  return out
}

type Hit = {kind: 'option'; name: OptionName; alias: boolean} | {kind: 'ignored'} | {kind: 'unknown'; hint: string}

function classify(section: Section, key: string): Hit {
  if (isOptionName(key)) {
    const spec = OPTIONS[key]
    if (spec.section === section) return {kind: 'option', name: key, alias: false}
    if (section === 'DEFAULT' && spec.deprecatedInDefault) return {kind: 'option', name: key, alias: true}
  }

  if (IGNORED_UPSTREAM_OPTIONS[section].includes(key)) return {kind: 'ignored'}
  return {kind: 'unknown', hint: hintFor(section, key)}
}

function hintFor(section: Section, key: string): string {
  const same = OPTION_NAMES.find((n) => n.toLowerCase() === key.toLowerCase())
  if (!same) return ''
  const spec = OPTIONS[same]
  return spec.section === section
    ? ` (option names are case-sensitive: did you mean ${same}?)`
    : ` (did you mean [${spec.section}] ${same}?)`
}

const SECTIONS: ReadonlySet<string> = new Set(['DEFAULT', 'ovn', 'agent'])

class Collector {
  readonly values = new Map<OptionName, RawValue>()
  readonly warnings: string[] = []
  private readonly warned = new Set<string>()

  addFile(ini: IniFile): void {
    const primary = new Map<OptionName, IniEntry>()
    const alias = new Map<OptionName, IniEntry>()
    for (const [section, written] of ini.sections) {
      if (section === 'default')
        this.warnOnce(
          `section:${written}`,
          `${ini.file}: section [${written}] is not [DEFAULT] (only the upper-case spelling is); its options are ignored`,
        )
    }

    for (const entry of ini.entries) {
      if (!SECTIONS.has(entry.section)) continue
      const hit = classify(entry.section as Section, entry.key)
      if (hit.kind === 'option') (hit.alias ? alias : primary).set(hit.name, entry)
      else if (hit.kind === 'unknown') {
        this.warnOnce(
          `unknown:${entry.section}:${entry.key}`,
          `${ini.file}:${entry.line}: unknown option [${entry.section}] ${entry.key} ignored${hit.hint}`,
        )
      }
    }

    for (const [name, entry] of alias) {
      const spec = OPTIONS[name]
      const shadowed = primary.has(name) ? `; ignored, [${spec.section}] ${name} is also set` : ''
      this.warnOnce(
        `alias:${name}`,
        `${ini.file}:${entry.line}: [DEFAULT] ${name} is deprecated, use [${spec.section}] ${name}${shadowed}`,
      )
    }

    for (const name of new Set([...alias.keys(), ...primary.keys()])) {
      const p = primary.get(name)
      const entry = p ?? alias.get(name)!
      const source: RawValue['source'] = {
        kind: 'file',
        file: ini.file,
        line: entry.line,
        section: entry.sectionAsWritten,
        name: entry.key,
      }
      if (!p) source.deprecatedAlias = true
      this.values.set(name, {raw: entry.value, source})
    }
  }

  private warnOnce(key: string, message: string): void {
    if (this.warned.has(key)) return
    this.warned.add(key)
    this.warnings.push(message)
  }
}

/** Reads and merges the configuration files. Throws ConfigError on a missing file or a syntax error. */
export async function readFileValues(
  fs: ConfigFs,
  files: readonly string[],
  dirs: readonly string[],
  order?: readonly ConfigSourceArg[],
): Promise<FileValues> {
  const list = await configFileList(fs, files, dirs, order)
  const inis = await readIniFiles(fs, list)
  const c = new Collector()
  for (const ini of inis) c.addFile(ini)
  return {values: c.values, warnings: c.warnings, files: list}
}
