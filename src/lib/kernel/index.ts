// Public surface of the kernel layer.
export {Kernel} from './kernel.js'
export {RtTables, lowestFreeTable} from './rt-tables.js'

export {checkStateDir} from './state-dir.js'

export {WatchedKernel} from './watched.js'
