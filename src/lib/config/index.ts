// Public surface of the configuration module.
export type {AgentConfig, BridgeMapping, ExposingMethod, TenantAdvertisement} from './types.js'
export {configFlag, configFlags, globalConfigFlags, type ConfigFlag, type ConfigFlags} from './flags.js'
export {defaultConfig, loadConfig, type LoadConfigOptions, type LoadedConfig} from './load.js'
export {nodeConfigFs, type ConfigFs} from './file-values.js'
export {describeSource, type ConfigSources, type ValueSource} from './sources.js'
export {
  envName,
  flagName,
  isOptionName,
  optionForKey,
  optionSpec,
  OPTION_NAMES,
  OPTIONS,
  type ConfigKey,
  type OptionName,
  type OptionSpec,
  type Section,
} from './schema.js'
export {parseIni, type IniEntry, type IniFile} from './ini.js'
