// Public surface of the configuration module.
export type {AgentConfig} from './types.js'
export {configFlags, globalConfigFlags} from './flags.js'
export {defaultConfig, loadConfig, type LoadConfigOptions} from './load.js'
export {type ConfigFs} from './file-values.js'
export {describeSource, type ConfigSources} from './sources.js'
export {OPTION_NAMES, OPTIONS, type OptionName} from './schema.js'
