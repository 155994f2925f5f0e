// Ensures FRR carries the leak configuration (docs/upstream-behaviour.md#base-bgp-configuration step 3,
// docs/upstream-behaviour.md#frr-configuration): read the running config,
// compute what is missing, apply the whole template with one `vtysh -f` only when something is
// missing (pitfall 11: one file, so address families are not activated piecemeal), then re-read
// to verify. Repeating it when nothing changed spawns no `vtysh -f`.
import type {AgentConfig} from '../config/types.js'
import type {FailedLine, Vtysh} from './vtysh.js'

import {ConfigError, DependencyError} from '../errors.js'
import {type Logger, NullLogger} from '../log.js'
import {checkAsn, type LeakParams, type Redistribute, redistributeFor, renderLeakConfig} from './leak-template.js'
import {resolveRouterId, type RouterIdSource} from './router-id.js'
import {defaultInstanceAsn, missingLeakItems} from './running-config.js'

export interface LeakSettings {
  asn: string
  vrf: string
  /** Configured router id; undefined = learn it from FRR. */
  routerId: string | undefined
  redistribute: readonly Redistribute[]
}

export function leakSettingsFromConfig(
  c: Pick<AgentConfig, 'bgpAS' | 'bgpVrf' | 'bgpRouterId' | 'advertisementMethodTenantNetworks'>,
): LeakSettings {
  return {
    asn: c.bgpAS,
    vrf: c.bgpVrf,
    routerId: c.bgpRouterId,
    redistribute: redistributeFor(c.advertisementMethodTenantNetworks),
  }
}

/** The `--json` contract of a leak check/apply. */
export interface LeakResult {
  /** A `vtysh -f` was run (or, in dry-run, would be). */
  changed: boolean
  dryRun: boolean
  /** Items missing before applying; null = unknown (dry-run without FRR). */
  missing: string[] | null
  /** Items still missing after applying (empty when all went well). */
  remaining: string[]
  failedLines: FailedLine[]
  ok: boolean
  routerId: string
  routerIdSource: RouterIdSource
  /** The rendered configuration. */
  config: string
}

export class FrrLeak {
  private readonly logger: Logger

  /** `vtysh` may be undefined for a render-only dry run (then a router id must be configured). */
  constructor(
    private readonly vtysh: Vtysh | undefined,
    logger: Logger = new NullLogger(),
  ) {
    this.logger = logger.child({component: 'frr-leak'})
  }

  /**
   * Checks and, unless `dryRun`, applies. Throws RouterIdUnknownError (no router id anywhere),
   * DependencyError (FRR unreachable or bgpd down; in dry-run only when no router id is configured) and
   * ConfigError (FRR already runs another AS). Failed lines are reported in the result, not thrown.
   */
  async ensure(settings: LeakSettings, opts: {dryRun?: boolean} = {}): Promise<LeakResult> {
    const dryRun = opts.dryRun ?? false
    const running = await this.runningConfig(dryRun && settings.routerId !== undefined)
    const asn = checkAsn(settings.asn)
    if (running !== undefined) this.checkAs(running, asn)
    const rid = await resolveRouterId(settings.routerId, running === undefined ? undefined : this.vtysh, asn, running)
    const params: LeakParams = {asn, vrf: settings.vrf, routerId: rid.routerId, redistribute: settings.redistribute}
    const config = renderLeakConfig(params)
    const base = {dryRun, routerId: rid.routerId, routerIdSource: rid.source, config, failedLines: [] as FailedLine[]}
    if (running === undefined) return {...base, changed: true, missing: null, remaining: [], ok: true}
    const missing = missingLeakItems(running, params)
    if (missing.length === 0 || dryRun)
      return {...base, changed: missing.length > 0, missing, remaining: dryRun ? missing : [], ok: true}
    await this.requireBgpd()
    this.logger.info('applying FRR leak configuration', {missing: missing.length, vrf: params.vrf, as: asn})
    const applied = await this.vtysh!.applyConfig(config)
    const remaining = missingLeakItems(await this.vtysh!.show('show running-config'), params)
    const ok = applied.ok && remaining.length === 0
    if (!ok) this.logger.warn('FRR leak configuration incomplete', {remaining, failed: applied.failedLines})
    return {...base, changed: true, missing, remaining, failedLines: applied.failedLines, ok}
  }

  /** undefined when FRR may be skipped (render-only dry run) and is not reachable. */
  private async runningConfig(optional: boolean): Promise<string | undefined> {
    if (!this.vtysh) {
      if (optional) return undefined
      throw new DependencyError('FRR (vtysh) is not available', {code: 'FRR_UNAVAILABLE'})
    }

    // bgpd's own socket first: the items checked are all in its `router bgp` blocks, and it costs
    // no process (the upkeep asks every frr_reconcile_interval). Anything amiss there (bgpd down, a
    // socket we may not open) goes the vtysh way, which reports it as before.
    try {
      return await this.vtysh.daemonShow('bgpd', 'show running-config')
    } catch (error) {
      this.logger.debug('bgpd vty socket not usable, asking vtysh', {error: (error as Error).message})
    }

    try {
      return await this.vtysh.show('show running-config')
    } catch (error) {
      if (optional && error instanceof DependencyError) {
        this.logger.debug('FRR not reachable; rendering only', {error})
        return undefined
      }

      throw error
    }
  }

  /**
   * With zebra up and bgpd down, `vtysh -f` reports no error at all and applies nothing; say so
   * instead. (`show daemons` lists the daemons vtysh is connected to; if it fails, carry on.)
   */
  private async requireBgpd(): Promise<void> {
    let daemons: string
    try {
      daemons = await this.vtysh!.show('show daemons')
    } catch {
      return
    }

    if (!/\bbgpd\b/.test(daemons)) {
      throw new DependencyError(`bgpd is not running (FRR vty sockets: ${daemons.trim() || 'none'})`, {
        code: 'FRR_BGPD_DOWN',
        suggestions: ['start bgpd (systemctl start frr)', 'check the frr_vty_socket option'],
      })
    }
  }

  private checkAs(running: string, asn: string): void {
    const have = defaultInstanceAsn(running)
    if (have !== undefined && have !== asn) {
      throw new ConfigError(`FRR already runs BGP AS ${have} but bgp_AS is ${asn}`, {
        code: 'FRR_AS_MISMATCH',
        suggestions: [`set bgp_AS to ${have}`, 'or change the AS of the FRR configuration'],
      })
    }
  }
}
