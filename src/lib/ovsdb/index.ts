// Public API of the OVSDB client (RFC 7047). Everything here is importable on its own:
// nothing in this directory depends on the rest of the project.
export {OvsdbClient, type ClientState, type ClientStats, type OvsdbClientOptions, type StateChange} from './client.js'
export {Replica, ReplicaInconsistencyError, type UpdateFormat} from './replica.js'
export {
  OvsdbError,
  ConnectionError,
  FramingError,
  RemoteSyntaxError,
  classifyConnectFailure,
  type ConnectionErrorCode,
  type ConnectFailure,
  type ConnectFailureKind,
} from './errors.js'
export {JsonFramer, DEFAULT_MAX_MESSAGE_BYTES} from './framing.js'
export {RpcConnection, type RpcOptions, type RpcStats} from './rpc.js'
export {parseRemote, parseRemotes, shuffled, DEFAULT_OVSDB_PORT, type Remote} from './remote.js'
export {exponentialBackoff, type RetryStrategy, type BackoffOptions} from './retry.js'
export {openStream, type SslFiles} from './transport.js'
export {
  checkTransactResult,
  insertedUuid,
  wire,
  type Condition,
  type Mutation,
  type Operation,
  type OperationResult,
  type WireRow,
} from './ops.js'
export {
  parseDatabaseSchema,
  parseColumnType,
  columnType,
  type DatabaseSchema,
  type TableSchema,
  type ColumnType,
  type ColumnKind,
  type BaseType,
} from './schema.js'
export {
  decodeValue,
  decodeRow,
  encodeValue,
  defaultValue,
  valuesEqual,
  cloneValue,
  DecodeError,
  ZERO_UUID,
  type Json,
} from './codec.js'
export {MONITOR_METHODS, type MonitorMethod} from './monitor.js'
export {sameClauses, sameConditions} from './condition-equal.js'
export {nullOvsdbLogger, type OvsdbLogger, type OvsdbLogFields} from './logger.js'
export type {
  Atom,
  Value,
  Row,
  RowChange,
  ChangeKind,
  SnapshotInfo,
  ReplicaListener,
  MonitorSpec,
  ConditionClause,
  ConditionUpdate,
} from './types.js'
