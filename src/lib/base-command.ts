// Every ovn-bgp command extends BaseCommand: one place for flag parsing, configuration loading,
// logging setup and the mapping of library errors to exit codes (man ovn-bgp(8), EXIT STATUS).
import {Command, Errors, Flags, type Interfaces, ux} from '@oclif/core'

import type {AgentConfig} from './config/types.js'

import {isClosedPipe} from './cli/closed-pipe.js'
import {describeError, type ErrorBody, errorDocument} from './cli/error-document.js'
import {type ConfigSources, describeSource, globalConfigFlags, loadConfig} from './config/index.js'
import {configSourceOrder} from './config/source-order.js'
import {ConfigError, ExitCode} from './errors.js'
import {journalStream} from './journal-stream.js'
import {LogFile} from './log-file.js'
import {type Logger, type LogLevel, StreamLogger} from './log.js'
import {versioned} from './output/contract.js'

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<
  (typeof BaseCommand)['baseFlags'] & T['flags']
>
export type BaseArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

const NB_DRIVER = 'nb_ovn_bgp_driver'

/**
 * ovn-bgp implements the NB driver with the underlay exposing method. Upstream's defaults
 * (driver=ovn_bgp_driver, the SB driver) are kept for compatibility, so an unset `driver` means
 * the NB driver, with a warning (the same file would make upstream's agent run the SB driver); an
 * explicitly configured other driver or exposing method is refused (exit 2) instead of ignored.
 * An explicitly set `[agent] root_helper` is not used, with a warning: ovn-bgp runs ip, sysctl,
 * ovs-ofctl and vtysh itself, as root (see docs/config.md).
 */
function checkDriver(config: Readonly<AgentConfig>, sources: ConfigSources, logger?: Logger): Readonly<AgentConfig> {
  let out = config
  if (sources.rootHelper.kind !== 'default') {
    logger?.warn(
      '[agent] root_helper is not used: ovn-bgp runs ip, sysctl, ovs-ofctl and vtysh directly and must itself run as root (the systemd unit does); remove the option to silence this',
      {
        rootHelper: config.rootHelper,
        source: describeSource(sources.rootHelper),
      },
    )
  }

  if (config.driver !== NB_DRIVER) {
    if (sources.driver.kind === 'default') {
      logger?.warn(
        `[DEFAULT] driver is not set: running the NB driver (${NB_DRIVER}); note that upstream ovn-bgp-agent's default is the SB driver (ovn_bgp_driver). Set driver = ${NB_DRIVER} to silence this`,
      )
    } else {
      throw new ConfigError(
        `[DEFAULT] driver = ${config.driver} (${describeSource(sources.driver)}): ovn-bgp implements only ${NB_DRIVER}`,
        {suggestions: [`set driver = ${NB_DRIVER}`]},
      )
    }

    out = Object.freeze({...config, driver: NB_DRIVER})
  }

  if (config.exposingMethod !== 'underlay') {
    throw new ConfigError(
      `[DEFAULT] exposing_method = ${config.exposingMethod} (${describeSource(sources.exposingMethod)}): ovn-bgp implements only underlay`,
      {suggestions: ['set exposing_method = underlay']},
    )
  }

  return out
}

export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true
  static override baseFlags = {
    ...globalConfigFlags,
    'log-level': Flags.option({
      summary:
        'Minimum level of the log lines written to stderr (default: warn; info for watch; debug with the debug option).',
      options: ['debug', 'info', 'warn', 'error'] as const,
      helpGroup: 'GLOBAL',
    })(),
    'log-json': Flags.boolean({summary: 'Write log lines to stderr as JSON objects.', helpGroup: 'GLOBAL'}),
  }
  /** Log level without --log-level or `debug`: one-shot commands say only what went wrong. */
  static defaultLogLevel: LogLevel = 'warn'
  protected flags!: BaseFlags<T>
  protected args!: BaseArgs<T>
  private cachedConfig: AgentConfig | undefined
  private cachedLogger: Logger | undefined
  /** The log_file sink, when configured (watch reopens it on SIGHUP). */
  protected logFile: LogFile | undefined

  public override async init(): Promise<void> {
    await super.init()
    const {args, flags} = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (this.ctor as typeof BaseCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: this.ctor.args,
      strict: this.ctor.strict,
    })
    this.flags = flags as BaseFlags<T>
    this.args = args as BaseArgs<T>
  }

  /** The resolved configuration (files < environment < flags), loaded once per command. */
  protected async agentConfig(): Promise<AgentConfig> {
    if (this.cachedConfig) return this.cachedConfig
    const f = this.flags as Record<string, unknown>
    const files = (f['config-file'] as string[] | undefined) ?? []
    const dirs = (f['config-dir'] as string[] | undefined) ?? []
    const {config, sources} = await loadConfig({
      flags: f,
      env: process.env,
      files,
      dirs,
      order: configSourceOrder(this.argv, files, dirs),
      logger: this.logger(),
    })
    if (config.logFile !== undefined && !this.logFile) this.logFile = LogFile.open(config.logFile)
    this.cachedConfig = config
    this.cachedLogger = undefined // rebuilt with the configuration's debug / log_json / log_file
    this.cachedConfig = checkDriver(config, sources, this.logger())
    return this.cachedConfig
  }

  /** stderr logger; level from --log-level, else `debug` in the config, else info. */
  protected logger(): Logger {
    if (this.cachedLogger) return this.cachedLogger
    const f = this.flags as Record<string, unknown>
    const level =
      (f['log-level'] as LogLevel | undefined) ??
      (this.cachedConfig?.debug ? 'debug' : (this.ctor as typeof BaseCommand).defaultLogLevel)
    const json = Boolean(f['log-json']) || Boolean(this.cachedConfig?.logJson)
    // log_file: plain lines with timestamps (not the journal's priority prefix, whatever stderr is)
    const sink = this.logFile ? {write: this.logFile.write, journal: false} : {journal: journalStream()}
    this.cachedLogger = new StreamLogger({level, json, ...sink}, {cmd: this.id ?? 'ovn-bgp'})
    return this.cachedLogger
  }

  /** Non-zero exit without an error document (e.g. a partially applied plan still reports its result). */
  protected setExitCode(code: ExitCode): void {
    if (code > ((process.exitCode as number | undefined) ?? 0)) process.exitCode = code
  }

  /** Every success document carries `schemaVersion` (src/lib/output/contract.ts). */
  protected override toSuccessJson(result: unknown): unknown {
    return result !== null && typeof result === 'object' && !Array.isArray(result) ? versioned(result) : result
  }

  /**
   * The same text oclif writes (two-space indented JSON: no JSON colour theme is configured), without
   * its per-token colouriser, which took seconds on a sync of thousands of objects.
   */
  override logJson(json: unknown): void {
    ux.stdout(JSON.stringify(json, undefined, 2))
  }

  protected override toErrorJson(err: unknown): unknown {
    return errorDocument(this.describeError(err))
  }

  /**
   * One error shape for every command: under --json the error document (schemas/error.json) on
   * stdout, otherwise a short message with suggestions on stderr (never the full usage text). A
   * closed stdout pipe is the reader's choice and ends the command quietly with exit 0.
   */
  protected override async catch(err: Error & {exitCode?: number}): Promise<unknown> {
    if (isClosedPipe(err)) {
      process.exitCode = 0
      return undefined
    }

    const body = this.describeError(err)
    process.exitCode = (process.exitCode as number | undefined) ?? body.exitCode
    if (this.jsonEnabled()) {
      this.logJson(errorDocument(body))
      return undefined
    }

    if (body.code === 'INTERNAL') throw err // a bug: oclif prints the stack
    throw new Errors.CLIError(body.message, {exit: body.exitCode, code: body.code, suggestions: body.suggestions})
  }

  private describeError(err: unknown): ErrorBody {
    const ctor = this.ctor as typeof BaseCommand
    const flags = Object.keys({...ctor.baseFlags, ...ctor.flags, ...(ctor.enableJsonFlag ? {json: true} : {})})
    return describeError(err, {command: `${this.config?.bin ?? 'ovn-bgp'} ${this.id ?? ''}`.trim(), flags})
  }
}
