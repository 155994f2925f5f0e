// Logical_Switch rows for a chassis-scoped replica, assembled without the `ports` column.
//
// A provider network's `ports` holds every port of the network (thousands), and every port created
// or deleted on it rewrites that set: replicating it would send each agent a change for each port
// event of every provider network it uses. The planner only needs the localnet members of a
// switch (provider classification), so a scoped replica assembles its switch rows from:
//  - the switches asked for by name (columns: name only), and
//  - one small monitor per localnet port L: the switches whose `ports` include L (name only).
// The assembled row is {name, ports: the localnet members, in uuid order}: a RowChange for it is
// emitted only when the name or the localnet membership changes, which is exactly what the planner
// and the event matchers read from Logical_Switch (hasVirtualPort and parentOf of other ports are
// not available in this mode; the ad-hoc verbs use a full replica).
import type {Row, RowChange, Value} from '../ovsdb/types.js'

const LS = 'Logical_Switch'

export class SwitchMerge {
  private readonly names = new Map<string, string>()
  /** switches held by the by-name monitor */
  private readonly byName = new Set<string>()
  /** switch uuid -> localnet uuids it holds */
  private readonly members = new Map<string, Set<string>>()
  /** the rows as last emitted */
  private readonly rows = new Map<string, Row>()

  /** A Logical_Switch change of the by-name monitor (columns: name). */
  fromNameMonitor(c: RowChange): RowChange[] {
    if (c.kind === 'delete') this.byName.delete(c.uuid)
    else {
      this.byName.add(c.uuid)
      this.names.set(c.uuid, String(c.row.name ?? ''))
    }

    return this.emit(c.uuid)
  }

  /** A change of the membership monitor of localnet `localnet` (switches whose ports include it). */
  fromMemberMonitor(localnet: string, c: RowChange): RowChange[] {
    let set = this.members.get(c.uuid)
    if (c.kind === 'delete') set?.delete(localnet)
    else {
      if (!set) this.members.set(c.uuid, (set = new Set()))
      set.add(localnet)
      this.names.set(c.uuid, String(c.row.name ?? ''))
    }

    return this.emit(c.uuid)
  }

  /** The membership monitor of `localnet` is gone (the localnet left the replica). */
  dropLocalnet(localnet: string): RowChange[] {
    const out: RowChange[] = []
    for (const [ls, set] of this.members) if (set.delete(localnet)) out.push(...this.emit(ls))
    return out
  }

  private emit(uuid: string): RowChange[] {
    const set = this.members.get(uuid)
    if (set && set.size === 0) this.members.delete(uuid)
    const prev = this.rows.get(uuid)
    if (!this.byName.has(uuid) && !this.members.has(uuid)) {
      this.names.delete(uuid)
      if (!prev) return []
      this.rows.delete(uuid)
      return [{table: LS, kind: 'delete', uuid, row: prev}]
    }

    const row: Row = {_uuid: uuid, name: this.names.get(uuid) ?? '', ports: [...(this.members.get(uuid) ?? [])].sort()}
    if (!prev) {
      this.rows.set(uuid, row)
      return [{table: LS, kind: 'insert', uuid, row}]
    }

    const old: Record<string, Value> = {}
    if (prev.name !== row.name) old.name = prev.name as Value
    if (JSON.stringify(prev.ports) !== JSON.stringify(row.ports)) old.ports = prev.ports as Value
    if (Object.keys(old).length === 0) return []
    this.rows.set(uuid, row)
    return [{table: LS, kind: 'update', uuid, row, old}]
  }
}
