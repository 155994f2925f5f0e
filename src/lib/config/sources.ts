// Where a configuration value came from: kept per option so that `ovn-bgp doctor` and error messages
// can say "from /etc/ovn-bgp-agent/bgp-agent.conf:12" or "from flag --bgp-vrf".
import type {ConfigKey} from './schema.js'

export type ValueSource =
  | {kind: 'default'}
  | {
      kind: 'file'
      file: string
      /** 1-based line of the assignment. */
      line: number
      /** Section as written in the file (`DEFAULT` for a deprecated alias of an [ovn] option). */
      section: string
      /** Option name as written in the file. */
      name: string
      /** Set when the value was given through a deprecated [DEFAULT] alias. */
      deprecatedAlias?: true
    }
  | {kind: 'env'; variable: string}
  | {kind: 'flag'; flag: string}

export type ConfigSources = Readonly<Record<ConfigKey, Readonly<ValueSource>>>

/** "default", "/etc/x.conf:12", "environment OVN_BGP_BGP_AS", "flag --bgp-as". */
export function describeSource(src: ValueSource): string {
  switch (src.kind) {
    case 'default': {
      return 'default'
    }

    case 'file': {
      return `${src.file}:${src.line}`
    }

    case 'env': {
      return `environment ${src.variable}`
    }

    case 'flag': {
      return `flag --${src.flag}`
    }
  }
}
