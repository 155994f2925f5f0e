import type {ConfigSourceArg} from './source-order.js'
import type {AgentConfig} from './types.js'

// loadConfig: defaults < configuration files < environment (OVN_BGP_<OPTION>) < command-line flags.
// Pure except reading the files (through the ConfigFs seam). Returns a deeply frozen AgentConfig, where
// each value came from, and the warnings (also sent to the logger, once each).
import {ConfigError} from '../errors.js'
import {type Logger, NullLogger} from '../log.js'
import {type ConfigFs, type FileValues, nodeConfigFs, type RawValue, readFileValues} from './file-values.js'
import {normalizeSection} from './ini.js'
import {
  type ConfigKey,
  envName,
  flagName,
  isOptionName,
  OPTION_NAMES,
  type OptionName,
  OPTIONS,
  type Section,
} from './schema.js'
import {type ConfigSources, describeSource, type ValueSource} from './sources.js'
import {hasSubstitution, pythonText, substitute} from './substitute.js'
import {InvalidValue} from './values.js'

export interface LoadConfigOptions {
  /** Parsed oclif flags (kebab-case keys). Unset flags are undefined; other keys are ignored. */
  flags?: Readonly<Record<string, unknown>>
  /** Environment to read OVN_BGP_* from; pass process.env. Default: none. Empty variables count as unset. */
  env?: Readonly<Record<string, string | undefined>>
  /** --config-file values, in order. Default: flags['config-file']. */
  files?: readonly string[]
  /** --config-dir values. Default: flags['config-dir']. */
  dirs?: readonly string[]
  /** Files and dirs in command-line order (configSourceOrder); default: all files, then all dirs. */
  order?: readonly ConfigSourceArg[]
  logger?: Logger
  fs?: ConfigFs
}

export interface LoadedConfig {
  config: Readonly<AgentConfig>
  sources: ConfigSources
  warnings: readonly string[]
  /** Configuration files read, in precedence order (the last wins). */
  files: readonly string[]
}

function stringList(v: unknown): string[] {
  if (v === undefined) return []
  if (Array.isArray(v)) return v.map(String)
  return [String(v)]
}

function sourceLabel(name: OptionName, src: ValueSource): string {
  if (src.kind === 'file') return `[${src.section}] ${src.name}`
  return `[${OPTIONS[name].section}] ${name}`
}

/** Converts one raw value, turning InvalidValue into a ConfigError that names option, origin and value. */
function convert(name: OptionName, raw: string, src: ValueSource, written = raw): AgentConfig[ConfigKey] {
  try {
    return OPTIONS[name].parse(raw)
  } catch (error) {
    if (!(error instanceof InvalidValue)) throw error
    const where = describeSource(src)
    const shown =
      written === raw ? JSON.stringify(raw) : `${JSON.stringify(raw)} (substituted from ${JSON.stringify(written)})`
    throw new ConfigError(`invalid value ${shown} for ${sourceLabel(name, src)} from ${where}: ${error.message}`, {
      suggestions: [src.kind === 'file' ? `fix line ${src.line} of ${src.file}` : `fix ${where}`],
    })
  }
}

/** oclif gives booleans for --x/--no-x, strings otherwise; numbers and arrays are tolerated. */
function flagText(name: OptionName, value: unknown): string | boolean {
  if (typeof value === 'boolean' && OPTIONS[name].kind === 'boolean') return value
  if (Array.isArray(value)) return value.map(String).join(',')
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value)
  throw new ConfigError(`invalid value for flag --${flagName(name)}: ${JSON.stringify(value)}`)
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v)
    Object.freeze(value)
  }

  return value
}

/** A copy of the default: defaults are shared constants and the loaded config gets frozen. */
function defaultValue(name: OptionName): AgentConfig[ConfigKey] {
  const def = OPTIONS[name].default
  const value = Array.isArray(def) ? [...def] : def !== null && typeof def === 'object' ? {...def} : def
  return value as AgentConfig[ConfigKey]
}

/** oslo's lookup for `$ref` inside an option of `section`: `group.option`, else the same group or DEFAULT. */
function substitutionTarget(ref: string, section: Section): OptionName | undefined {
  const dot = ref.indexOf('.')
  if (dot !== -1) {
    const name = ref.slice(dot + 1)
    return isOptionName(name) && OPTIONS[name].section === normalizeSection(ref.slice(0, dot)) ? name : undefined
  }

  return isOptionName(ref) && (OPTIONS[ref].section === section || OPTIONS[ref].section === 'DEFAULT') ? ref : undefined
}

interface Resolved {
  value: AgentConfig[ConfigKey]
  source: ValueSource
}

/** Resolves each option once (memoised), following $substitutions in file values. */
class Resolver {
  readonly warnings: string[] = []
  private readonly done = new Map<OptionName, Resolved>()
  private readonly active: OptionName[] = []

  constructor(
    private readonly files: FileValues['values'],
    private readonly env: LoadConfigOptions['env'],
    private readonly flags: LoadConfigOptions['flags'],
  ) {}

  get(name: OptionName): Resolved {
    const memo = this.done.get(name)
    if (memo) return memo
    if (this.active.includes(name)) {
      throw new ConfigError(
        `configuration substitution loop: ${[...this.active, name].map((n) => '$' + n).join(' -> ')}`,
      )
    }

    this.active.push(name)
    const resolved = this.compute(name)
    this.active.pop()
    this.done.set(name, resolved)
    return resolved
  }

  private compute(name: OptionName): Resolved {
    const flag = this.flags?.[flagName(name)]
    if (flag !== undefined) {
      const source: ValueSource = {kind: 'flag', flag: flagName(name)}
      const text = flagText(name, flag)
      return {value: typeof text === 'boolean' ? text : convert(name, text, source), source}
    }

    const envValue = this.env?.[envName(name)]
    if (envValue !== undefined && envValue !== '') {
      const source: ValueSource = {kind: 'env', variable: envName(name)}
      return {value: convert(name, envValue, source), source}
    }

    const file = this.files.get(name)
    if (file) return {value: convert(name, this.expand(name, file), file.source, file.raw), source: file.source}
    return {value: defaultValue(name), source: {kind: 'default'}}
  }

  private expand(name: OptionName, file: RawValue): string {
    if (!hasSubstitution(file.raw)) return file.raw
    const {section} = OPTIONS[name]
    const {value, unresolved} = substitute(file.raw, (ref) => {
      const target = substitutionTarget(ref, section)
      return target === undefined ? undefined : pythonText(this.get(target).value)
    })
    for (const ref of unresolved) {
      this.warnings.push(
        `${file.source.file}:${file.source.line}: $${ref} in [${file.source.section}] ${file.source.name} is not an ovn-bgp option of that section; kept as written`,
      )
    }

    return value
  }
}

/**
 * Builds the agent configuration. Throws ConfigError (exit 2) for a missing or unparsable file and for
 * any invalid value, naming `[section] option`, where it came from (file:line, environment variable or
 * flag), the value and what was expected.
 */
export async function loadConfig(opts: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const logger = opts.logger ?? new NullLogger()
  const files = opts.files ?? stringList(opts.flags?.['config-file'])
  const dirs = opts.dirs ?? stringList(opts.flags?.['config-dir'])
  const fromFiles = await readFileValues(opts.fs ?? nodeConfigFs, files, dirs, opts.order)

  const resolver = new Resolver(fromFiles.values, opts.env, opts.flags)
  const config: Partial<Record<ConfigKey, unknown>> = {}
  const sources: Partial<Record<ConfigKey, ValueSource>> = {}
  for (const name of OPTION_NAMES) {
    const {value, source} = resolver.get(name)
    const {key} = OPTIONS[name]
    config[key] = value
    sources[key] = source
  }

  const warnings = [...fromFiles.warnings, ...resolver.warnings]
  for (const w of warnings) logger.warn(w, {component: 'config'})
  return {
    config: deepFreeze(config as AgentConfig),
    sources: deepFreeze(sources as Record<ConfigKey, ValueSource>),
    warnings: Object.freeze(warnings),
    files: Object.freeze([...fromFiles.files]),
  }
}

/** Configuration with every option at its default (for tests and for commands that read no files). */
export function defaultConfig(): Readonly<AgentConfig> {
  const config: Partial<Record<ConfigKey, unknown>> = {}
  for (const name of OPTION_NAMES) config[OPTIONS[name].key] = defaultValue(name)
  return deepFreeze(config as AgentConfig)
}
