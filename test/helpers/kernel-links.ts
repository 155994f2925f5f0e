// A parsed kernel link (what `ip -json -details link show` and the monitor give the model), for
// table tests of ownership and of the base wiring: a plain device, up, unless `over` says otherwise.
import type {LinkInfo} from '../../src/lib/kernel/parse.js'

export const linkInfo = (name: string, over: Partial<LinkInfo> = {}): LinkInfo => ({
  name,
  kind: undefined,
  master: undefined,
  link: undefined,
  vlanId: undefined,
  vrfTable: undefined,
  up: true,
  ...over,
})
