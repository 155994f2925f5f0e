// Public surface of the kernel layer.
export {Kernel, kernelDevName} from './kernel.js'
export {RtTables, RtTablesExhaustedError, parseRtTables, lowestFreeTable, DEFAULT_RT_TABLES} from './rt-tables.js'
export {Ledger, LEDGER_FILE} from './ledger.js'
export {defaultRoutes} from './base.js'
export {deviceSysctlKey, sysctlPath} from './commands.js'
export {isKernelObj} from './types.js'
export type {BaseOptions, BaseResult, BridgeScope, KernelObj, KernelOptions, ObserveScope, OpResult} from './types.js'
export {WatchedKernel, type DriftListener} from './watched.js'
