// FIP mode switch (docs/upstream-behaviour.md#distributedflagchangedevent): NB_Global
// external_ids:neutron:fip-distributed.
import type {NbGlobal, StrMap} from '../../nb/model.js'
import type {EventSpec} from './types.js'

import {changed} from '../../nb/decode.js'

const KEY_FIP_DISTRIBUTED = 'neutron:fip-distributed'

/**
 * FIP mode a value selects: "False" = centralized; "True", a missing key or anything else =
 * distributed. (Upstream's match reads any value other than "True" as centralized while its
 * setter reads it as distributed; we use the setter's reading for both.)
 */
export function distributedMode(ext: StrMap | undefined): boolean {
  return ext?.[KEY_FIP_DISTRIBUTED] !== 'False'
}

export const distributedFlagChanged: EventSpec<NbGlobal> = {
  name: 'DistributedFlagChangedEvent',
  table: 'NB_Global',
  kinds: ['update'],
  action: 'sync',
  fullSync: true,
  active: () => true,
  match(ctx, view) {
    if (!changed(ctx, 'externalIds')) return false
    if (ctx.old?.externalIds?.[KEY_FIP_DISTRIBUTED] === ctx.row.externalIds[KEY_FIP_DISTRIBUTED]) return false
    return distributedMode(ctx.row.externalIds) !== view.distributed
  },
  run: ({row}) => [{fn: 'sync', ips: [], info: {distributed: distributedMode(row.externalIds) ? 'True' : 'False'}}],
}
