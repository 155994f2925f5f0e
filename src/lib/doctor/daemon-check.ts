// Is the daemon itself up? Only visible through its metrics endpoint (/readyz), so only checked when
// metrics_address is set. At most a warning: the doctor is about prerequisites, and it is also run
// before the first start.
import type {DoctorCheck} from './types.js'

export const daemonCheck: DoctorCheck = {
  id: 'daemon',
  title: 'ovn-bgp watch running and ready (via metrics_address)',
  category: 'environment',
  async run(ctx) {
    const d = ctx.facts.daemon
    if (ctx.config.metricsAddress === undefined) {
      return {status: 'pass', detail: 'not visible here: metrics_address is unset (see systemctl status ovn-bgp)'}
    }
    if (d === undefined) return {status: 'warn', detail: 'not checked (the metrics endpoint was not queried)', fix: 'Run without --offline.'}
    if (!d.ok) {
      return {status: 'warn', detail: `no answer from the daemon: ${d.error}`, fix: 'Is it running? systemctl status ovn-bgp; journalctl -u ovn-bgp'}
    }
    if (d.value.status === 200) return {status: 'pass', detail: `${d.value.url}: ${d.value.body}`}
    return {status: 'warn', detail: `${d.value.url}: ${d.value.status} ${d.value.body}`, fix: 'The first full reconcile has not finished: see journalctl -u ovn-bgp for what it waits for or what fails.'}
  },
}
