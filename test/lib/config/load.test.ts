import {expect} from 'chai'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {
  type AgentConfig,
  defaultConfig,
  loadConfig,
  type LoadConfigOptions,
  OPTION_NAMES,
  OPTIONS,
} from '../../../src/lib/config/index.js'
import {ConfigError} from '../../../src/lib/errors.js'
import {memFs, RecordingLogger} from './helpers.js'

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/config')

/** Loads one in-memory file /etc/a.conf with `text`. */
async function loadText(text: string, extra: LoadConfigOptions = {}) {
  return loadConfig({fs: memFs({'/etc/a.conf': text}), files: ['/etc/a.conf'], ...extra})
}

async function rejection(p: Promise<unknown>): Promise<ConfigError> {
  try {
    await p
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError)
    return error as ConfigError
  }

  throw new Error('expected a ConfigError')
}

describe('config/load', () => {
  describe('defaults (upstream options)', () => {
    const expected: {[K in keyof AgentConfig]: AgentConfig[K]} = {
      driver: 'ovn_bgp_driver',
      exposingMethod: 'underlay',
      reconcileInterval: 300,
      frrReconcileInterval: 15,
      exposeTenantNetworks: false,
      exposeIpv6GuaTenantNetworks: false,
      advertisementMethodTenantNetworks: 'host',
      requireSnatDisabledForTenantNetworks: false,
      addressScopes: [],
      bgpAS: '64999',
      bgpRouterId: undefined,
      bgpNic: 'bgp-nic',
      bgpVrf: 'bgp-vrf',
      bgpVrfTableId: 10,
      clearVrfRoutesOnStartup: false,
      ovsdbConnection: 'unix:/usr/local/var/run/openvswitch/db.sock',
      ovsdbConnectionTimeout: 180,
      debug: false,
      logFile: undefined,
      ovnNbConnection: undefined,
      ovnNbPrivateKey: '/etc/pki/tls/private/ovn_bgp_agent.key',
      ovnNbCertificate: '/etc/pki/tls/certs/ovn_bgp_agent.crt',
      ovnNbCaCert: '/etc/ipa/ca.crt',
      nbMonitorScope: 'chassis',
      rootHelper: 'sudo',
      chassisName: undefined,
      chassisId: undefined,
      bridgeMappings: undefined,
      vtyshPath: '/usr/bin/vtysh',
      frrVtySocket: '/run/frr/',
      rtTablesPath: '/etc/iproute2/rt_tables',
      stateDir: '/var/lib/ovn-bgp',
      ipPath: '/usr/sbin/ip',
      ovsOfctlPath: '/usr/bin/ovs-ofctl',
      ovsEnv: {},
      metricsAddress: undefined,
      logJson: false,
    }
    for (const [key, value] of Object.entries(expected)) {
      it(`${key} = ${JSON.stringify(value)}`, async () => {
        const {config, sources} = await loadConfig()
        expect(config[key as keyof AgentConfig]).to.deep.equal(value)
        expect(sources[key as keyof AgentConfig]).to.deep.equal({kind: 'default'})
      })
    }

    it('covers every option of the schema', () => {
      expect(Object.keys(expected).sort()).to.deep.equal(OPTION_NAMES.map((n) => OPTIONS[n].key).sort())
      expect(defaultConfig()).to.deep.equal(expected)
    })
  })

  describe('values from a file, per type', () => {
    const cases: Array<{text: string; key: keyof AgentConfig; value: unknown}> = [
      {text: '[DEFAULT]\nexpose_tenant_networks = True', key: 'exposeTenantNetworks', value: true},
      {text: '[DEFAULT]\nclear_vrf_routes_on_startup = on', key: 'clearVrfRoutesOnStartup', value: true},
      {text: '[DEFAULT]\ndebug = "yes"', key: 'debug', value: true},
      {text: '[DEFAULT]\nlog_json = 0', key: 'logJson', value: false},
      {text: '[DEFAULT]\nreconcile_interval = 60', key: 'reconcileInterval', value: 60},
      {text: '[DEFAULT]\nbgp_vrf_table_id: 4294967295', key: 'bgpVrfTableId', value: 4_294_967_295},
      {text: '[DEFAULT]\naddress_scopes = a, b', key: 'addressScopes', value: ['a', 'b']},
      {text: '[DEFAULT]\naddress_scopes =', key: 'addressScopes', value: []},
      {text: '[DEFAULT]\ndriver = nb_ovn_bgp_driver', key: 'driver', value: 'nb_ovn_bgp_driver'},
      {text: '[DEFAULT]\nexposing_method = vrf', key: 'exposingMethod', value: 'vrf'},
      {
        text: '[DEFAULT]\nadvertisement_method_tenant_networks = subnet',
        key: 'advertisementMethodTenantNetworks',
        value: 'subnet',
      },
      {text: '[DEFAULT]\nbgp_AS = 65001', key: 'bgpAS', value: '65001'},
      {text: '[DEFAULT]\nbgp_router_id = 10.0.0.1', key: 'bgpRouterId', value: '10.0.0.1'},
      {text: '[DEFAULT]\nbgp_router_id =', key: 'bgpRouterId', value: undefined},
      {text: '[DEFAULT]\novsdb_connection = tcp:127.0.0.1:6640', key: 'ovsdbConnection', value: 'tcp:127.0.0.1:6640'},
      {
        text: '[ovn]\novn_nb_connection = "ssl:a:6641,ssl:b:6641"',
        key: 'ovnNbConnection',
        value: 'ssl:a:6641,ssl:b:6641',
      },
      {text: '[ovn]\novn_nb_private_key =', key: 'ovnNbPrivateKey', value: ''},
      {
        text: "[agent]\nroot_helper = 'sudo rootwrap /etc/rw.conf'",
        key: 'rootHelper',
        value: 'sudo rootwrap /etc/rw.conf',
      },
      {text: '[DEFAULT]\nlog_file = /var/log/ovn-bgp.log', key: 'logFile', value: '/var/log/ovn-bgp.log'},
      {text: '[DEFAULT]\nchassis_id = 5a1e-42', key: 'chassisId', value: '5a1e-42'},
      {
        text: '[DEFAULT]\nbridge_mappings = p1:br-ex',
        key: 'bridgeMappings',
        value: [{physnet: 'p1', bridge: 'br-ex', index: 1}],
      },
      {text: '[DEFAULT]\novs_env = OVS_RUNDIR=/run/ovs', key: 'ovsEnv', value: {OVS_RUNDIR: '/run/ovs'}},
      {text: '[DEFAULT]\nmetrics_address = [::]:9100', key: 'metricsAddress', value: '[::]:9100'},
      {text: '[DEFAULT]\nstate_dir = /tmp/s', key: 'stateDir', value: '/tmp/s'},
      {text: '[DEFAULT]\nreconcile_interval = 60\nreconcile_interval = 90', key: 'reconcileInterval', value: 90},
      {text: '[OVN]\novn_nb_connection = tcp:x:1', key: 'ovnNbConnection', value: 'tcp:x:1'},
    ]
    for (const c of cases) {
      it(`${c.text.replaceAll('\n', ' ')} -> ${c.key}`, async () => {
        const {config, sources} = await loadText(c.text)
        expect(config[c.key]).to.deep.equal(c.value)
        expect(sources[c.key]).to.include({kind: 'file', file: '/etc/a.conf'})
      })
    }
  })

  describe('deprecated [DEFAULT] aliases of [ovn] options', () => {
    for (const name of ['ovn_nb_connection', 'ovn_nb_private_key', 'ovn_nb_certificate', 'ovn_nb_ca_cert'] as const) {
      const {key} = OPTIONS[name]
      it(`[DEFAULT] ${name} is used, with one warning`, async () => {
        const logger = new RecordingLogger()
        const {config, sources, warnings} = await loadText(`[DEFAULT]\n${name} = tcp:old:1\n${name} = tcp:dep:1\n`, {
          logger,
        })
        expect(config[key]).to.equal('tcp:dep:1')
        expect(sources[key]).to.deep.equal({
          kind: 'file',
          file: '/etc/a.conf',
          line: 3,
          section: 'DEFAULT',
          name,
          deprecatedAlias: true,
        })
        expect(warnings).to.have.length(1)
        expect(warnings[0]).to.include(`[DEFAULT] ${name} is deprecated, use [ovn] ${name}`)
        expect(logger.lines.filter((l) => l.level === 'warn')).to.have.length(1)
      })
      it(`[ovn] ${name} wins over the alias in the same file`, async () => {
        const {config, sources, warnings} = await loadText(
          `[ovn]\n${name} = tcp:new:1\n[DEFAULT]\n${name} = tcp:dep:1\n`,
        )
        expect(config[key]).to.equal('tcp:new:1')
        expect(sources[key]).to.include({section: 'ovn', line: 2})
        expect(warnings).to.have.length(1)
        expect(warnings[0]).to.match(/deprecated.*ignored, \[ovn\]/)
      })
    }

    it("a later file's alias beats an earlier file's [ovn] (oslo reads the newest file first)", async () => {
      const fs = memFs({
        '/a.conf': '[ovn]\novn_nb_connection = tcp:a:1\n',
        '/b.conf': '[DEFAULT]\novn_nb_connection = tcp:b:1\n',
      })
      const {config} = await loadConfig({fs, files: ['/a.conf', '/b.conf']})
      expect(config.ovnNbConnection).to.equal('tcp:b:1')
    })

    it('other [ovn]-only names are not accepted in [DEFAULT]', async () => {
      const {config, warnings} = await loadText('[DEFAULT]\nroot_helper = doas\n')
      expect(config.rootHelper).to.equal('sudo')
      expect(warnings).to.deep.equal([
        '/etc/a.conf:2: unknown option [DEFAULT] root_helper ignored (did you mean [agent] root_helper?)',
      ])
    })
  })

  describe('precedence: flags > environment > files (later wins) > defaults', () => {
    const fs = memFs({
      '/etc/1.conf': '[DEFAULT]\nbgp_vrf = file1\nbgp_nic = file1\nreconcile_interval = 11\n',
      '/etc/2.conf': '[DEFAULT]\nbgp_vrf = file2\n',
      '/etc/d/b.conf': '[DEFAULT]\nbgp_nic = dirb\n',
      '/etc/d/a.conf': '[DEFAULT]\nbgp_nic = dira\nbgp_vrf = dira\n',
    })
    const cases: Array<{name: string; opts: LoadConfigOptions; expected: Partial<AgentConfig>; source: string}> = [
      {name: 'default only', opts: {}, expected: {bgpVrf: 'bgp-vrf'}, source: 'default'},
      {
        name: 'one file',
        opts: {files: ['/etc/1.conf']},
        expected: {bgpVrf: 'file1', reconcileInterval: 11},
        source: 'file',
      },
      {
        name: 'later file wins',
        opts: {files: ['/etc/1.conf', '/etc/2.conf']},
        expected: {bgpVrf: 'file2', bgpNic: 'file1'},
        source: 'file',
      },
      {
        name: 'file order as given',
        opts: {files: ['/etc/2.conf', '/etc/1.conf']},
        expected: {bgpVrf: 'file1'},
        source: 'file',
      },
      {
        name: 'dir after files, sorted',
        opts: {files: ['/etc/2.conf'], dirs: ['/etc/d']},
        expected: {bgpVrf: 'dira', bgpNic: 'dirb'},
        source: 'file',
      },
      {
        name: 'env over files',
        opts: {files: ['/etc/2.conf'], env: {OVN_BGP_BGP_VRF: 'env'}},
        expected: {bgpVrf: 'env'},
        source: 'env',
      },
      {
        name: 'empty env is unset',
        opts: {files: ['/etc/2.conf'], env: {OVN_BGP_BGP_VRF: ''}},
        expected: {bgpVrf: 'file2'},
        source: 'file',
      },
      {
        name: 'flag over env',
        opts: {files: ['/etc/2.conf'], env: {OVN_BGP_BGP_VRF: 'env'}, flags: {'bgp-vrf': 'flag'}},
        expected: {bgpVrf: 'flag'},
        source: 'flag',
      },
      {
        name: 'undefined flag is unset',
        opts: {env: {OVN_BGP_BGP_VRF: 'env'}, flags: {'bgp-vrf': undefined}},
        expected: {bgpVrf: 'env'},
        source: 'env',
      },
      {
        name: 'files from flags',
        opts: {flags: {'config-file': ['/etc/1.conf'], 'config-dir': '/etc/d'}},
        expected: {bgpVrf: 'dira', reconcileInterval: 11},
        source: 'file',
      },
    ]
    for (const c of cases) {
      it(c.name, async () => {
        const {config, sources} = await loadConfig({fs, ...c.opts})
        expect(config).to.include(c.expected)
        expect(sources.bgpVrf.kind).to.equal(c.source)
      })
    }

    it('environment names, typed values', async () => {
      const env = {
        OVN_BGP_BGP_AS: '65010',
        OVN_BGP_EXPOSE_TENANT_NETWORKS: 'yes',
        OVN_BGP_RECONCILE_INTERVAL: '30',
        OVN_BGP_OVN_NB_CONNECTION: 'tcp:nb:6641',
        OVN_BGP_ROOT_HELPER: 'doas',
      }
      const {config, sources} = await loadConfig({env})
      expect(config).to.include({
        bgpAS: '65010',
        exposeTenantNetworks: true,
        reconcileInterval: 30,
        ovnNbConnection: 'tcp:nb:6641',
        rootHelper: 'doas',
      })
      expect(sources.bgpAS).to.deep.equal({kind: 'env', variable: 'OVN_BGP_BGP_AS'})
    })

    it('boolean flags: --no-x overrides a true file value', async () => {
      const {config, sources} = await loadText('[DEFAULT]\nexpose_tenant_networks = true\n', {
        flags: {'expose-tenant-networks': false},
      })
      expect(config.exposeTenantNetworks).to.equal(false)
      expect(sources.exposeTenantNetworks).to.deep.equal({kind: 'flag', flag: 'expose-tenant-networks'})
    })

    it('numeric flag values are accepted', async () => {
      const {config} = await loadConfig({flags: {'bgp-vrf-table-id': 42, 'bgp-as': '65000'}})
      expect(config).to.include({bgpVrfTableId: 42, bgpAS: '65000'})
    })
  })

  describe('configuration directory', () => {
    it('reads *.conf in sorted order, skips dot-files and other names', async () => {
      const dir = path.join(FIXTURES, 'conf.d')
      const {config, files} = await loadConfig({dirs: [dir]})
      expect(files).to.deep.equal([path.join(dir, '10-ours.conf'), path.join(dir, '20-override.conf')])
      expect(config.reconcileInterval).to.equal(600)
    })

    it('a missing directory is a ConfigError', async () => {
      const err = await rejection(loadConfig({dirs: ['/nonexistent/conf.d']}))
      expect(err.message).to.equal('cannot read configuration directory /nonexistent/conf.d (--config-dir): not found')
      expect(err.exit).to.equal(2)
    })
  })

  describe('errors name the option, the origin, the value and what was expected', () => {
    const cases: Array<{name: string; opts: () => Promise<unknown>; message: string}> = [
      {
        name: 'bad boolean in a file',
        opts: () => loadText('[DEFAULT]\n# c\nexpose_tenant_networks = maybe\n'),
        message:
          'invalid value "maybe" for [DEFAULT] expose_tenant_networks from /etc/a.conf:3: expected a boolean (true/false, yes/no, on/off, 1/0)',
      },
      {
        name: 'bad remote through a deprecated alias',
        opts: () => loadText('[DEFAULT]\novn_nb_connection = 10.0.0.1:6641\n'),
        message:
          'invalid value "10.0.0.1:6641" for [DEFAULT] ovn_nb_connection from /etc/a.conf:2: expected an OVSDB remote matching ^(tcp|ssl|unix):.+ (or a comma-separated list of them)',
      },
      {
        name: 'bad choice in a file',
        opts: () => loadText('[DEFAULT]\nexposing_method = evpn\n'),
        message:
          'invalid value "evpn" for [DEFAULT] exposing_method from /etc/a.conf:2: expected one of underlay, l2vni, vrf, dynamic, ovn',
      },
      {
        name: 'bad bridge mapping in a file',
        opts: () => loadText('[DEFAULT]\nbridge_mappings = p1:br-ex,p2\n'),
        message:
          'invalid value "p1:br-ex,p2" for [DEFAULT] bridge_mappings from /etc/a.conf:2: expected physnet:bridge pairs separated by ",", element 2 ("p2") is not one',
      },
      {
        name: 'empty integer in a file',
        opts: () => loadText('[DEFAULT]\nreconcile_interval =\n'),
        message: 'invalid value "" for [DEFAULT] reconcile_interval from /etc/a.conf:2: expected an integer >= 1',
      },
      {
        name: 'bad integer in the environment',
        opts: () => loadConfig({env: {OVN_BGP_BGP_VRF_TABLE_ID: '254'}}),
        message:
          'invalid value "254" for [DEFAULT] bgp_vrf_table_id from environment OVN_BGP_BGP_VRF_TABLE_ID: expected an integer between 1 and 4294967295, not 254 (the kernel "main" table)',
      },
      {
        name: 'bad value in a flag',
        opts: () => loadConfig({flags: {'bgp-nic': 'has space'}}),
        message: `invalid value "has space" for [DEFAULT] bgp_nic from flag --bgp-nic: expected a Linux interface name (1-15 characters, no '/', ':', '%' or spaces, not starting with '-')`,
      },
      {
        name: 'missing --config-file',
        opts: () => loadConfig({fs: memFs({}), files: ['/etc/missing.conf']}),
        message: 'cannot read configuration file /etc/missing.conf: not found',
      },
      {
        name: 'syntax error',
        opts: () => loadText('[DEFAULT]\nnonsense\n'),
        message: 'cannot parse configuration file /etc/a.conf:2: no "=" or ":" found in assignment: "nonsense"',
      },
    ]
    for (const c of cases) {
      it(c.name, async () => {
        const err = await rejection(c.opts())
        expect(err.message).to.equal(c.message)
        expect(err.exit).to.equal(2)
      })
    }

    it('a bad value that is overridden is not an error', async () => {
      const {config} = await loadText('[DEFAULT]\nreconcile_interval = soon\n', {flags: {'reconcile-interval': '5'}})
      expect(config.reconcileInterval).to.equal(5)
    })
  })

  describe('warnings', () => {
    it('an unknown option gives exactly one warning, however often it appears', async () => {
      const logger = new RecordingLogger()
      const fs = memFs({
        '/a.conf': '[DEFAULT]\nfrobnicate = 1\nfrobnicate = 2\n',
        '/b.conf': '[DEFAULT]\nfrobnicate = 3\n',
      })
      const {warnings} = await loadConfig({fs, files: ['/a.conf', '/b.conf'], logger})
      expect(warnings).to.deep.equal(['/a.conf:2: unknown option [DEFAULT] frobnicate ignored'])
      expect(logger.lines).to.deep.equal([{level: 'warn', msg: warnings[0], fields: {component: 'config'}}])
    })

    it('hints at the case-sensitive spelling', async () => {
      const {config, warnings} = await loadText('[DEFAULT]\nbgp_as = 65001\n')
      expect(config.bgpAS).to.equal('64999')
      expect(warnings).to.deep.equal([
        '/etc/a.conf:2: unknown option [DEFAULT] bgp_as ignored (option names are case-sensitive: did you mean bgp_AS?)',
      ])
    })

    it('[Default] is not [DEFAULT]', async () => {
      const {config, warnings} = await loadText('[Default]\nbgp_vrf = x\n')
      expect(config.bgpVrf).to.equal('bgp-vrf')
      expect(warnings).to.deep.equal([
        '/etc/a.conf: section [Default] is not [DEFAULT] (only the upper-case spelling is); its options are ignored',
      ])
    })

    it('other sections and known upstream options are silent', async () => {
      const {warnings} = await loadText(
        '[DEFAULT]\nuse_stderr = true\nevpn_nic = lo\n[privsep]\nx = 1\n[whatever]\ny = 2\n[agent]\nuse_helper_for_ns_read = false\n',
      )
      expect(warnings).to.deep.equal([])
    })
  })

  describe('the upstream-style bgp-agent.conf fixture', () => {
    it('loads with the expected values and no warnings', async () => {
      const file = path.join(FIXTURES, 'bgp-agent.conf')
      const {config, warnings, sources} = await loadConfig({files: [file], dirs: [path.join(FIXTURES, 'conf.d')]})
      expect(warnings).to.deep.equal([])
      expect(config).to.deep.include({
        debug: true,
        driver: 'nb_ovn_bgp_driver',
        exposingMethod: 'underlay',
        exposeTenantNetworks: true,
        advertisementMethodTenantNetworks: 'subnet',
        bgpAS: '64999',
        bgpRouterId: '172.30.1.1',
        reconcileInterval: 600,
        frrReconcileInterval: 30,
        addressScopes: ['2237917c-7b5e-4bc6-a8d6-5e7d3dcbb8a5', '4abf6b63-5b1c-4ea4-a1d1-6a0a0b7e36c9'],
        ovsdbConnection: 'unix:/run/openvswitch/db.sock',
        ovnNbConnection: 'ssl:192.0.2.10:6641,ssl:192.0.2.11:6641,ssl:192.0.2.12:6641',
        rootHelper: 'sudo ovn-bgp-agent-rootwrap /etc/ovn-bgp-agent/rootwrap.conf',
        chassisName: 'compute-0.example.org',
        ovsEnv: {OVS_RUNDIR: '/run/openvswitch'},
        metricsAddress: '127.0.0.1:9742',
      })
      expect(config.bridgeMappings).to.deep.equal([
        {physnet: 'datacentre', bridge: 'br-ex', index: 1},
        {physnet: 'tenant', bridge: 'br-vlan', index: 2},
      ])
      expect(sources.ovnNbConnection).to.deep.equal({
        kind: 'file',
        file,
        line: 28,
        section: 'ovn',
        name: 'ovn_nb_connection',
      })
    })
  })

  it('returns a deeply frozen configuration', async () => {
    const {config, sources} = await loadText('[DEFAULT]\nbridge_mappings = p:br\naddress_scopes = a\n')
    expect(Object.isFrozen(config)).to.equal(true)
    expect(Object.isFrozen(config.addressScopes)).to.equal(true)
    expect(Object.isFrozen(config.bridgeMappings![0])).to.equal(true)
    expect(Object.isFrozen(config.ovsEnv)).to.equal(true)
    expect(Object.isFrozen(sources.bgpAS)).to.equal(true)
    // Freezing a loaded config must not freeze the shared defaults.
    expect(Object.isFrozen(OPTIONS.address_scopes.default)).to.equal(false)
  })
})
