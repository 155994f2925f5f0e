// A parser for the INI dialect of oslo.config (oslo_config/iniparser.py + cfg.ConfigParser), so that an
// upstream bgp-agent.conf is read exactly as ovn-bgp-agent reads it. Behaviour reproduced on purpose:
//
// - Lines are right-trimmed first. An empty line ends a multi-line value.
// - A line starting with a space or a tab continues the previous assignment: its left-trimmed text is
//   appended, and the parts are joined with "\n". A continuation with no assignment before it is an error.
// - `[name]` starts a section. Names are lower-cased except `DEFAULT`, which must be written in upper
//   case (`[Default]` is the section "default", not DEFAULT). `[]` and a missing `]` are errors.
// - `#` and `;` start a comment only at the beginning of a line: `a = b # c` has the value `b # c`.
// - `key = value` and `key: value`: the separator is whichever of '=' and ':' comes first. Key and value
//   are trimmed; an empty value is allowed; an empty key is an error. Keys are case-sensitive.
// - Quoting: when the (trimmed, first-line) value starts with `"` or `'` and ends with the SAME character,
//   that one outer pair is removed: `"a b"` -> `a b`, `'x'` -> `x`, `""` -> ``, a lone `"` -> ``.
//   Nothing else is unquoted: `"a'` and `a"b"` stay as written, inner quotes stay, there are no escapes,
//   and continuation lines are never unquoted. This applies to every option type, not only strings.
// - An assignment before any section header is an error.
// - The same key twice in a section: the last one wins (oslo keeps all, non-multi options use the last).

import {ConfigError} from '../errors.js'

export interface IniEntry {
  /** Normalised section name: `DEFAULT` or lower case. */
  section: string
  /** Section name as written in the file (for messages). */
  sectionAsWritten: string
  key: string
  value: string
  /** 1-based line of the `key = value` line (continuations follow it). */
  line: number
}

export interface IniFile {
  file: string
  /** Entries in file order; a repeated key appears once per occurrence. */
  entries: IniEntry[]
  /** Section names as written, in order of first appearance (normalised name -> written name). */
  sections: Map<string, string>
}

/** oslo's section-name normalisation: DEFAULT is kept, everything else is lower-cased. */
export function normalizeSection(name: string): string {
  return name === 'DEFAULT' ? name : name.toLowerCase()
}

/** Removes one matching pair of outer quotes, exactly as oslo's iniparser does. */
export function unquoteOslo(value: string): string {
  if (value.length > 0 && (value[0] === '"' || value[0] === "'") && value[0] === value.at(-1)) {
    return value.slice(1, -1)
  }

  return value
}

interface Pending {
  key: string
  parts: string[]
  line: number
}

class Parser {
  private section: string | undefined
  private sectionAsWritten = ''
  private pending: Pending | undefined
  readonly entries: IniEntry[] = []
  readonly sections = new Map<string, string>()

  constructor(private readonly file: string) {}

  parse(text: string): void {
    const lines = text.split(/\r\n|\n|\r/)
    // A trailing newline yields one empty last element, which is harmless (blank line).
    for (const [i, raw] of lines.entries()) this.parseLine(raw.trimEnd(), i + 1)
    this.flush()
  }

  private parseLine(line: string, lineno: number): void {
    if (line === '') {
      this.flush()
      return
    }

    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (!this.pending)
        this.fail(lineno, 'unexpected continuation line (an indented line must follow an assignment)', line)
      this.pending.parts.push(line.trimStart())
      return
    }

    this.flush()
    if (line.startsWith('[')) this.startSection(line, lineno)
    else if (!line.startsWith('#') && !line.startsWith(';')) this.startAssignment(line, lineno)
  }

  private startSection(line: string, lineno: number): void {
    if (!line.endsWith(']')) this.fail(lineno, 'invalid section header (must end with "]")', line)
    if (line.length <= 2) this.fail(lineno, 'empty section name', line)
    const written = line.slice(1, -1)
    this.section = normalizeSection(written)
    this.sectionAsWritten = written
    if (!this.sections.has(this.section)) this.sections.set(this.section, written)
  }

  private startAssignment(line: string, lineno: number): void {
    const colon = line.indexOf(':')
    const equal = line.indexOf('=')
    if (colon === -1 && equal === -1) this.fail(lineno, 'no "=" or ":" found in assignment', line)
    const at = colon === -1 || (equal !== -1 && equal < colon) ? equal : colon
    const key = line.slice(0, at).trim()
    if (!key) this.fail(lineno, 'key cannot be empty', line)
    if (this.section === undefined)
      this.fail(lineno, 'a section header (e.g. [DEFAULT]) must come before the first assignment', line)
    this.pending = {key, parts: [unquoteOslo(line.slice(at + 1).trim())], line: lineno}
  }

  private flush(): void {
    if (!this.pending || this.section === undefined) return
    const {key, parts, line} = this.pending
    this.entries.push({
      section: this.section,
      sectionAsWritten: this.sectionAsWritten,
      key,
      value: parts.join('\n'),
      line,
    })
    this.pending = undefined
  }

  private fail(lineno: number, what: string, line: string): never {
    throw new ConfigError(`cannot parse configuration file ${this.file}:${lineno}: ${what}: ${JSON.stringify(line)}`)
  }
}

/** Parses the text of one oslo INI file. Throws ConfigError naming `file:line` on a syntax error. */
export function parseIni(text: string, file: string): IniFile {
  const p = new Parser(file)
  p.parse(text.startsWith('\uFEFF') ? text.slice(1) : text)
  return {file, entries: p.entries, sections: p.sections}
}
