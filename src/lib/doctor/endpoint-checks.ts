// The services ovn-bgp talks to over the network, as seen from this node.
// nb-schema: the Northbound database is reachable and new enough. The agent finds local gateway
// ports (cr-lrp), tenant networks and OVN load balancers through Logical_Router_Port.status:
// hosting-chassis, which exists from OVN 23.09 (NB schema 7.1.0); without it those are never exposed.
// daemon: the running daemon is only visible through its metrics endpoint (/readyz), so it is only
// checked with metrics_address set, and at most warns: the doctor is about prerequisites and is
// also run before the first start.
import type {DoctorCheck} from './types.js'

const MIN_NB_SCHEMA = '7.1.0'

/** Numeric comparison of dotted versions; missing parts count as 0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((x) => Number.parseInt(x, 10) || 0)
  const pb = b.split('.').map((x) => Number.parseInt(x, 10) || 0)
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0)
    if (d !== 0) return Math.sign(d)
  }

  return 0
}

export const nbSchemaCheck: DoctorCheck = {
  id: 'nb-schema',
  title: `Northbound DB reachable, schema >= ${MIN_NB_SCHEMA}`,
  category: 'environment',
  async run(ctx) {
    const {nb} = ctx.facts
    if (nb === undefined)
      return {
        status: 'warn',
        detail: 'not checked (the Northbound database was not queried)',
        fix: 'Run `ovn-bgp doctor` without --offline.',
      }
    if (!nb.ok) {
      return {
        status: 'fail',
        detail: `Northbound DB unreachable: ${nb.error}`,
        fix: 'Check ovn_nb_connection (or OVS external_ids:ovn-nb-remote), the ssl files for ssl: remotes, and that ovsdb-server for OVN_Northbound listens there.',
      }
    }

    const {remote, schemaVersion, lrpStatusColumn} = nb.value
    if (compareVersions(schemaVersion, MIN_NB_SCHEMA) < 0 && !lrpStatusColumn) {
      return {
        status: 'fail',
        detail: `${remote}: OVN_Northbound schema ${schemaVersion} has no Logical_Router_Port.status: gateway ports, tenant networks and load balancers would never be exposed`,
        fix: 'Upgrade OVN to 23.09 or later.',
      }
    }

    return {
      status: 'pass',
      detail: `${remote}: OVN_Northbound schema ${schemaVersion}${lrpStatusColumn ? ', Logical_Router_Port.status present' : ''}`,
    }
  },
}

export const daemonCheck: DoctorCheck = {
  id: 'daemon',
  title: 'ovn-bgp watch running and ready (via metrics_address)',
  category: 'environment',
  async run(ctx) {
    const d = ctx.facts.daemon
    if (ctx.config.metricsAddress === undefined) {
      return {status: 'pass', detail: 'not visible here: metrics_address is unset (see systemctl status ovn-bgp)'}
    }

    if (d === undefined)
      return {
        status: 'warn',
        detail: 'not checked (the metrics endpoint was not queried)',
        fix: 'Run without --offline.',
      }
    if (!d.ok) {
      return {
        status: 'warn',
        detail: `no answer from the daemon: ${d.error}`,
        fix: 'Is it running? systemctl status ovn-bgp; journalctl -u ovn-bgp',
      }
    }

    if (d.value.status === 200) return {status: 'pass', detail: `${d.value.url}: ${d.value.body}`}
    return {
      status: 'warn',
      detail: `${d.value.url}: ${d.value.status} ${d.value.body}`,
      fix: 'The first full reconcile has not finished: see journalctl -u ovn-bgp for what it waits for or what fails.',
    }
  },
}
