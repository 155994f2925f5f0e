// loadConfig: defaults < configuration files < environment (OVN_BGP_<OPTION>) < command-line flags.
// Pure except reading the files (through the ConfigFs seam). Returns a deeply frozen AgentConfig, where
// each value came from, and the warnings (also sent to the logger, once each).
import {ConfigError} from '../errors.js'
import {type Logger, NullLogger} from '../log.js'
import {type ConfigFs, nodeConfigFs, readFileValues} from './file-values.js'
import {envName, flagName, OPTION_NAMES, OPTIONS, type ConfigKey, type OptionName} from './schema.js'
import {type ConfigSources, describeSource, type ValueSource} from './sources.js'
import type {AgentConfig} from './types.js'
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
function convert(name: OptionName, raw: string, src: ValueSource): AgentConfig[ConfigKey] {
  try {
    return OPTIONS[name].parse(raw)
  } catch (err) {
    if (!(err instanceof InvalidValue)) throw err
    const where = describeSource(src)
    throw new ConfigError(`invalid value ${JSON.stringify(raw)} for ${sourceLabel(name, src)} from ${where}: ${err.message}`, {
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

interface Resolved {
  value: AgentConfig[ConfigKey]
  source: ValueSource
}

function resolve(name: OptionName, file: {raw: string; source: ValueSource} | undefined, env: LoadConfigOptions['env'], flags: LoadConfigOptions['flags']): Resolved {
  const flag = flags?.[flagName(name)]
  if (flag !== undefined) {
    const source: ValueSource = {kind: 'flag', flag: flagName(name)}
    const text = flagText(name, flag)
    return {value: typeof text === 'boolean' ? text : convert(name, text, source), source}
  }
  const envValue = env?.[envName(name)]
  if (envValue !== undefined && envValue !== '') {
    const source: ValueSource = {kind: 'env', variable: envName(name)}
    return {value: convert(name, envValue, source), source}
  }
  if (file) return {value: convert(name, file.raw, file.source), source: file.source}
  const def = OPTIONS[name].default
  // Defaults are shared constants: hand out copies so freezing one config never touches the schema.
  const value = Array.isArray(def) ? [...def] : def !== null && typeof def === 'object' ? {...def} : def
  return {value: value as AgentConfig[ConfigKey], source: {kind: 'default'}}
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
  const fromFiles = await readFileValues(opts.fs ?? nodeConfigFs, files, dirs)

  const config: Partial<Record<ConfigKey, unknown>> = {}
  const sources: Partial<Record<ConfigKey, ValueSource>> = {}
  for (const name of OPTION_NAMES) {
    const {value, source} = resolve(name, fromFiles.values.get(name), opts.env, opts.flags)
    const key = OPTIONS[name].key
    config[key] = value
    sources[key] = source
  }
  for (const w of fromFiles.warnings) logger.warn(w, {component: 'config'})
  return {
    config: deepFreeze(config as AgentConfig),
    sources: deepFreeze(sources as Record<ConfigKey, ValueSource>),
    warnings: Object.freeze([...fromFiles.warnings]),
    files: Object.freeze([...fromFiles.files]),
  }
}

/** Configuration with every option at its default (for tests and for commands that read no files). */
export function defaultConfig(): Readonly<AgentConfig> {
  const config: Partial<Record<ConfigKey, unknown>> = {}
  for (const name of OPTION_NAMES) config[OPTIONS[name].key] = resolve(name, undefined, undefined, undefined).value
  return deepFreeze(config as AgentConfig)
}
