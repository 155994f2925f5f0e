// Problems: what the planner could not plan, as data. The planner never throws on NB or local
// data; a malformed or inconsistent row is reported here and skipped, everything else is planned.

/** The row (or local item) a desired object or a problem comes from. */
export interface Source {
  /** NB table name ('Logical_Switch_Port', 'NAT' ...), or 'local' / 'config' for non-NB inputs. */
  table: string
  uuid: string
  name: string
}

export interface Problem extends Source {
  reason: string
}

/** Source for problems about the local host (bridges, patch ports) rather than an NB row. */
export function localSource(name: string): Source {
  return {table: 'local', uuid: '', name}
}

/** Source for problems about the agent configuration. */
export function configSource(name: string): Source {
  return {table: 'config', uuid: '', name}
}

export function rowSource(table: string, row: {uuid: string; name?: string}, name?: string): Source {
  return {table, uuid: row.uuid, name: name ?? row.name ?? ''}
}

/** Deterministic order for reports: table, name, uuid, reason. */
export function compareProblems(a: Problem, b: Problem): number {
  return cmp(a.table, b.table) || cmp(a.name, b.name) || cmp(a.uuid, b.uuid) || cmp(a.reason, b.reason)
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
