import type {BooleanFlag, OptionFlag} from '@oclif/core/interfaces'

// oclif flag definitions for configuration options. Flags carry NO default: defaults come from the
// loader, so that an unset flag lets the environment, then the files, then the default apply.
// Values are validated by loadConfig (so errors look the same whatever the origin), except choices,
// which oclif also checks and lists in --help.
import {Flags} from '@oclif/core'

import {envName, flagName, type OptionName, OPTIONS} from './schema.js'

type ConfigFlag = BooleanFlag<boolean> | OptionFlag<string | undefined>
export type ConfigFlags = Record<string, ConfigFlag>

const HELP_VALUE: Record<string, string> = {integer: '<int>', list: '<a,b,...>'}

/** The oclif flag of one option: `--bgp-vrf <value>`, or `--expose-tenant-networks/--no-expose-tenant-networks`. */
function configFlag(name: OptionName): ConfigFlag {
  const spec = OPTIONS[name]
  const common = {
    summary: spec.summary,
    description: `Option [${spec.section}] ${name} (${spec.type}); environment ${envName(name)}.`,
    helpGroup: 'CONFIG',
  }
  if (spec.kind === 'boolean') return Flags.boolean<boolean>({...common, allowNo: true})
  const helpValue = HELP_VALUE[spec.kind] ?? '<value>'
  if (spec.choices) return Flags.string({...common, helpValue, options: [...spec.choices]})
  return Flags.string({...common, helpValue})
}

/** Flags for the chosen options, keyed by kebab-case flag name (the keys loadConfig reads back). */
export function configFlags(names: readonly OptionName[]): ConfigFlags {
  const out: ConfigFlags = {}
  for (const name of names) {
    if (!Object.hasOwn(OPTIONS, name)) throw new Error(`configFlags: unknown option ${String(name)}`)
    out[flagName(name)] = configFlag(name)
  }

  return out
}

/**
 * --config-file and --config-dir, both repeatable, accepted by every command. As with oslo.config
 * they apply in command-line order, later ones winning (source-order.ts).
 */
export const globalConfigFlags = {
  'config-file': Flags.string({
    summary:
      'Configuration file (oslo INI, e.g. /etc/ovn-bgp-agent/bgp-agent.conf); repeatable; files and directories apply in command-line order, later ones win.',
    multiple: true,
    helpGroup: 'GLOBAL',
    helpValue: '<path>',
  }),
  'config-dir': Flags.string({
    summary:
      'Directory whose *.conf files are read in sorted order, at its place among the --config-file options; repeatable.',
    multiple: true,
    helpGroup: 'GLOBAL',
    helpValue: '<dir>',
  }),
}
