import type {FailedLine, Vtysh} from '../frr/vtysh.js'

// Draining a node through FRR (RFC 8326): first `bgp graceful-shutdown` in the default BGP
// instance, so every route is re-advertised with the GRACEFUL_SHUTDOWN community (65535:0) and
// peers that honour it (local-pref 0) move traffic to other nodes while the routes still work;
// then, after a wait, the leaked VRF routes are withdrawn by a deny-all route-map on the VRF
// import. Undrain removes the route-map first (the routes come back, still marked, so the peers
// keep their current paths) and then graceful-shutdown (the marking goes). The kernel is never
// touched and no session is reset, so nothing flaps either way.
// Only lines ovn-bgp owns are added or removed: the `ovn-bgp-drain` route-map, its use on the VRF
// import, and `bgp graceful-shutdown` (which drain requires to be absent, or already ours).
import {ConfigError} from '../errors.js'
import {checkAsn} from '../frr/leak-template.js'
import {DRAIN_ROUTE_MAP, drainStateOf} from '../frr/rib.js'
import {defaultInstanceAsn} from '../frr/running-config.js'
import {isIfName} from '../net/ip.js'

const FAMILIES = ['ipv4 unicast', 'ipv6 unicast']

export interface FrrDrainState {
  gracefulShutdown: boolean
  importBlocked: boolean
  asn: string
}

export class FrrDrain {
  constructor(
    private readonly vtysh: Vtysh,
    private readonly opts: {asn: string; vrf: string},
  ) {
    if (!isIfName(opts.vrf)) throw new ConfigError(`invalid bgp_vrf ${JSON.stringify(opts.vrf)}`)
  }

  async state(): Promise<FrrDrainState> {
    const running = await this.vtysh.show('show running-config')
    return {...drainStateOf(running), asn: checkAsn(defaultInstanceAsn(running) ?? this.opts.asn)}
  }

  /** Step 1: announce graceful shutdown. Idempotent (no vtysh -f when already in place). */
  async announce(): Promise<{changed: boolean; failedLines: FailedLine[]}> {
    const s = await this.state()
    if (s.gracefulShutdown) return {changed: false, failedLines: []}
    return this.apply([`router bgp ${s.asn}`, ' bgp graceful-shutdown', 'exit'])
  }

  /** Step 2: withdraw the leaked routes (deny-all route-map on the VRF import). Idempotent. */
  async withdraw(): Promise<{changed: boolean; failedLines: FailedLine[]}> {
    const s = await this.state()
    if (s.importBlocked) return {changed: false, failedLines: []}
    const lines = [`route-map ${DRAIN_ROUTE_MAP} deny 10`, 'exit', `router bgp ${s.asn}`]
    for (const af of FAMILIES)
      lines.push(` address-family ${af}`, `  import vrf route-map ${DRAIN_ROUTE_MAP}`, ' exit-address-family')
    lines.push('exit')
    return this.apply(lines)
  }

  /** Undrain step 1: routes back (still carrying GRACEFUL_SHUTDOWN). */
  async restoreRoutes(): Promise<{changed: boolean; failedLines: FailedLine[]}> {
    const s = await this.state()
    if (!s.importBlocked) return {changed: false, failedLines: []}
    const lines = [`router bgp ${s.asn}`]
    for (const af of FAMILIES)
      lines.push(` address-family ${af}`, `  no import vrf route-map ${DRAIN_ROUTE_MAP}`, ' exit-address-family')
    lines.push('exit')
    return this.apply(lines)
  }

  /** Undrain step 2: stop marking routes with GRACEFUL_SHUTDOWN. */
  async endGracefulShutdown(): Promise<{changed: boolean; failedLines: FailedLine[]}> {
    const s = await this.state()
    if (!s.gracefulShutdown) return {changed: false, failedLines: []}
    return this.apply([`router bgp ${s.asn}`, ' no bgp graceful-shutdown', 'exit'])
  }

  private async apply(lines: string[]): Promise<{changed: boolean; failedLines: FailedLine[]}> {
    const r = await this.vtysh.applyConfig(lines.join('\n') + '\n')
    return {changed: true, failedLines: r.failedLines}
  }
}
