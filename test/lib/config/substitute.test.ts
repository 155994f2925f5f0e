import {expect} from 'chai'

import {loadConfig} from '../../../src/lib/config/index.js'
import {pythonText, substitute} from '../../../src/lib/config/substitute.js'
import {ConfigError} from '../../../src/lib/errors.js'
import {memFs} from './helpers.js'

describe('config/substitute: oslo $option substitution', () => {
  const known: Record<string, string> = {a: 'A', b_c: 'BC', 'ovn.x': 'X', Up: 'U'}
  const cases: Array<{in: string; out: string; unresolved?: string[]}> = [
    {in: 'plain', out: 'plain'},
    {in: '$a', out: 'A'},
    {in: '${a}', out: 'A'},
    {in: '$a/b', out: 'A/b'},
    {in: '${a}b', out: 'Ab'},
    {in: '$b_c-$a', out: 'BC-A'},
    {in: '${ovn.x}', out: 'X'},
    {in: '$ovn.x', out: 'X'},
    {in: '$Up', out: 'U'},
    {in: '$$a', out: '$a'},
    {in: String.raw`\$a`, out: '$a'},
    {in: 'cost 5$', out: 'cost 5$'},
    {in: '$1', out: '$1'},
    {in: '${a', out: '${a'},
    {in: '$nope/x', out: '$nope/x', unresolved: ['nope']},
    {in: '${nope}', out: '${nope}', unresolved: ['nope']},
  ]
  for (const c of cases) {
    it(`${c.in} -> ${c.out}`, () => {
      expect(substitute(c.in, (ref) => known[ref])).to.deep.equal({value: c.out, unresolved: c.unresolved ?? []})
    })
  }

  it('pythonText renders values as Python str() does', () => {
    expect([true, false, 10, undefined, 'x', ['a', 'b']].map(pythonText)).to.deep.equal([
      'True',
      'False',
      '10',
      '',
      'x',
      "['a', 'b']",
    ])
  })

  describe('in loadConfig', () => {
    const load = (text: string, env: Record<string, string> = {}) =>
      loadConfig({fs: memFs({'/etc/a.conf': text}), files: ['/etc/a.conf'], env})

    it('substitutes options of the same section and of DEFAULT', async () => {
      const {config} = await load(
        '[DEFAULT]\nstate_dir = /srv/ovn-bgp\nlog_file = $state_dir/agent.log\n[agent]\nroot_helper = sudo -E env X=${bgp_vrf}\n',
      )
      expect(config.logFile).to.equal('/srv/ovn-bgp/agent.log')
      expect(config.rootHelper).to.equal('sudo -E env X=bgp-vrf')
    })

    it("uses the referenced option's final value (environment included)", async () => {
      const {config} = await load('[DEFAULT]\nlog_file = ${state_dir}/x\n', {OVN_BGP_STATE_DIR: '/env'})
      expect(config.logFile).to.equal('/env/x')
    })

    it('group.option references', async () => {
      const {config} = await load(
        '[ovn]\novn_nb_ca_cert = /pki/ca.crt\novn_nb_certificate = ${ovn.ovn_nb_ca_cert}.chain\n',
      )
      expect(config.ovnNbCertificate).to.equal('/pki/ca.crt.chain')
    })

    it('an unknown reference is kept and warned about', async () => {
      const {config, warnings} = await load('[DEFAULT]\nlog_file = $log_dir/agent.log\n')
      expect(config.logFile).to.equal('$log_dir/agent.log')
      expect(warnings).to.deep.equal([
        '/etc/a.conf:2: $log_dir in [DEFAULT] log_file is not an ovn-bgp option of that section; kept as written',
      ])
    })

    it('an error shows the substituted and the written value', async () => {
      try {
        await load('[DEFAULT]\nbgp_vrf = x y\nbgp_nic = $bgp_vrf\n')
        expect.fail('expected a ConfigError')
      } catch (error) {
        expect(error).to.be.instanceOf(ConfigError)
        expect((error as Error).message).to.match(/^invalid value "x y" for \[DEFAULT\] bgp_vrf from \/etc\/a.conf:2/)
      }

      try {
        await load('[DEFAULT]\nbgp_nic = $state_dir\n')
        expect.fail('expected a ConfigError')
      } catch (error) {
        expect((error as Error).message).to.match(
          /^invalid value "\/var\/lib\/ovn-bgp" \(substituted from "\$state_dir"\) for \[DEFAULT\] bgp_nic from \/etc\/a.conf:2/,
        )
      }
    })

    it('a loop is a ConfigError', async () => {
      try {
        await load('[DEFAULT]\nvtysh_path = $ip_path\nip_path = $vtysh_path\n')
        expect.fail('expected a ConfigError')
      } catch (error) {
        expect(error).to.be.instanceOf(ConfigError)
        expect((error as Error).message).to.equal(
          'configuration substitution loop: $vtysh_path -> $ip_path -> $vtysh_path',
        )
      }
    })
  })
})
