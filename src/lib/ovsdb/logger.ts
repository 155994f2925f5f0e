// The logging seam of the OVSDB client. Structurally compatible with the project's Logger
// (src/lib/log.ts) so callers can pass theirs, yet declared here so this directory has no
// imports from outside itself and can be published on its own.
export type OvsdbLogFields = Record<string, unknown>

export interface OvsdbLogger {
  debug(msg: string, fields?: OvsdbLogFields): void
  info(msg: string, fields?: OvsdbLogFields): void
  warn(msg: string, fields?: OvsdbLogFields): void
  error(msg: string, fields?: OvsdbLogFields): void
}

/** Drops everything; the default when no logger is injected. */
export const nullOvsdbLogger: OvsdbLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
}
