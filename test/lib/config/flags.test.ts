import {Parser} from '@oclif/core'
import {expect} from 'chai'

import {
  configFlags,
  globalConfigFlags,
  loadConfig,
  OPTION_NAMES,
  type OptionName,
} from '../../../src/lib/config/index.js'
import {ConfigError} from '../../../src/lib/errors.js'
import {memFs} from './helpers.js'

async function parse(argv: string[], names: readonly OptionName[]) {
  const {flags} = await Parser.parse(argv, {flags: {...globalConfigFlags, ...configFlags(names)}})
  return flags as Record<string, unknown>
}

describe('config/flags', () => {
  const names: Array<[OptionName, string, 'boolean' | 'option']> = [
    ['chassis_name', 'chassis-name', 'option'],
    ['bridge_mappings', 'bridge-mappings', 'option'],
    ['ovn_nb_connection', 'ovn-nb-connection', 'option'],
    ['bgp_vrf', 'bgp-vrf', 'option'],
    ['bgp_AS', 'bgp-as', 'option'],
    ['expose_tenant_networks', 'expose-tenant-networks', 'boolean'],
    ['log_json', 'log-json', 'boolean'],
  ]
  for (const [name, flag, type] of names) {
    it(`${name} -> --${flag} (${type})`, () => {
      const defs = configFlags([name])
      expect(Object.keys(defs)).to.deep.equal([flag])
      expect(defs[flag]).to.include({type, helpGroup: 'CONFIG'})
      expect(defs[flag]!.default).to.equal(undefined)
      expect(defs[flag]!.summary).to.be.a('string').and.not.equal('')
    })
  }

  it('every option has a flag with a summary and no default', () => {
    const defs = configFlags(OPTION_NAMES)
    expect(Object.keys(defs)).to.have.length(OPTION_NAMES.length)
    for (const def of Object.values(defs)) {
      expect(def.default, def.name).to.equal(undefined)
      expect(def.summary, def.name).to.match(/\S/)
    }
  })

  it('boolean flags allow --no-', () => {
    expect(configFlags(['expose_tenant_networks'])['expose-tenant-networks']).to.include({allowNo: true})
  })

  it('choice options list their choices', () => {
    expect(configFlags(['exposing_method'])['exposing-method']).to.deep.include({
      options: ['underlay', 'l2vni', 'vrf', 'dynamic', 'ovn'],
    })
  })

  it('rejects names that are not options', () => {
    expect(() => configFlags(['nope' as OptionName])).to.throw(/unknown option nope/)
  })

  it('global flags: --config-file and --config-dir both repeatable (oslo.config accepts several of each)', () => {
    expect(globalConfigFlags['config-file']).to.include({type: 'option', multiple: true})
    expect(globalConfigFlags['config-dir']).to.include({type: 'option', multiple: true})
    expect([globalConfigFlags['config-file'].default, globalConfigFlags['config-dir'].default]).to.deep.equal([
      undefined,
      undefined,
    ])
  })

  describe('parsed by oclif, then loaded', () => {
    const fs = memFs({
      '/etc/a.conf': '[DEFAULT]\nexpose_tenant_networks = true\nbgp_vrf = file-vrf\n',
      '/etc/b.conf': '[DEFAULT]\nbgp_vrf = b-vrf\n',
      '/etc/d/x.conf': '[DEFAULT]\nbgp_nic = dir-nic\n',
    })
    const opts: OptionName[] = ['expose_tenant_networks', 'bgp_vrf', 'bgp_nic', 'bgp_vrf_table_id']
    const cases: Array<{argv: string[]; expected: Record<string, unknown>}> = [
      {argv: [], expected: {exposeTenantNetworks: false, bgpVrf: 'bgp-vrf', bgpNic: 'bgp-nic'}},
      {argv: ['--config-file', '/etc/a.conf'], expected: {exposeTenantNetworks: true, bgpVrf: 'file-vrf'}},
      {argv: ['--config-file', '/etc/a.conf', '--config-file', '/etc/b.conf'], expected: {bgpVrf: 'b-vrf'}},
      {
        argv: ['--config-file', '/etc/a.conf', '--config-dir', '/etc/d'],
        expected: {bgpVrf: 'file-vrf', bgpNic: 'dir-nic'},
      },
      {argv: ['--config-file', '/etc/a.conf', '--no-expose-tenant-networks'], expected: {exposeTenantNetworks: false}},
      {
        argv: ['--expose-tenant-networks', '--bgp-vrf', 'v2', '--bgp-vrf-table-id', '20'],
        expected: {exposeTenantNetworks: true, bgpVrf: 'v2', bgpVrfTableId: 20},
      },
    ]
    for (const c of cases) {
      it(c.argv.join(' ') || '(no flags)', async () => {
        const {config} = await loadConfig({flags: await parse(c.argv, opts), fs})
        expect(config).to.include(c.expected)
      })
    }

    it('a bad flag value names the flag', async () => {
      const flags = await parse(['--bgp-vrf-table-id', 'ten'], opts)
      try {
        await loadConfig({flags, fs})
        expect.fail('expected a ConfigError')
      } catch (error) {
        expect(error).to.be.instanceOf(ConfigError)
        expect((error as Error).message).to.equal(
          'invalid value "ten" for [DEFAULT] bgp_vrf_table_id from flag --bgp-vrf-table-id: expected an integer between 1 and 4294967295',
        )
      }
    })
  })
})
