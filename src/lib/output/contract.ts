// Versioning of the --json documents (docs/operations.md, "JSON contracts"). Every document starts
// with `schemaVersion`, the major version of its schema in schemas/:
// - adding a key, an enum value or a document is NOT a new version: the schemas allow additional
//   properties, so consumers validating against them keep working;
// - removing or renaming a key, or changing its type or meaning, IS: schemaVersion goes up by one
//   for every document, and the old shape is described in the release notes.
// New commands (and their schemas) follow the same rule: `schemaVersion` first, open objects.

/** Current major version of every --json document. */
export const SCHEMA_VERSION = 1

/** `doc` with `schemaVersion` as its first key. */
export function versioned<T extends object>(doc: T): T & {schemaVersion: number} {
  return {schemaVersion: SCHEMA_VERSION, ...doc}
}
