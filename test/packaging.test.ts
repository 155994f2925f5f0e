// The systemd unit: the directives that make the daemon start, restart and stay confined, checked
// by parsing the file; then systemd itself verifies it (systemd-analyze verify) and scores its
// sandbox (systemd-analyze security --offline).
import {expect} from 'chai'
import {spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {defaultConfig} from '../src/lib/config/load.js'
import {requireTools} from './helpers/require.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const unitText = readFileSync(join(root, 'packaging', 'ovn-bgp.service'), 'utf8')

type Unit = Map<string, Map<string, string[]>>

/** systemd unit syntax as far as this file uses it: sections, `Key=value` (repeatable), `#` comments. */
function parseUnit(text: string): Unit {
  const unit: Unit = new Map()
  let section: Map<string, string[]> | undefined
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue
    const s = /^\[(.+)\]$/.exec(line)
    if (s) {
      section = new Map()
      unit.set(s[1] as string, section)
      continue
    }

    const kv = /^([A-Za-z]+)=(.*)$/.exec(line)
    if (!kv || !section) throw new Error(`unparsable unit line: ${raw}`)
    section.set(kv[1] as string, [...(section.get(kv[1] as string) ?? []), kv[2] as string])
  }

  return unit
}

const unit = parseUnit(unitText)
const get = (section: string, key: string): string[] => unit.get(section)?.get(key) ?? []
const one = (section: string, key: string): string | undefined => get(section, key).at(-1)
const words = (section: string, key: string): string[] =>
  get(section, key).flatMap((v) => v.split(/\s+/).filter(Boolean))

describe('packaging: systemd unit', () => {
  it('has the three sections', () => {
    expect([...unit.keys()]).to.deep.equal(['Unit', 'Service', 'Install'])
  })

  it('starts `ovn-bgp watch` with the agent configuration file and restarts it on failure', () => {
    expect(get('Service', 'ExecStart')).to.deep.equal([
      '/usr/bin/ovn-bgp watch --config-file /etc/ovn-bgp-agent/bgp-agent.conf',
    ])
    expect(one('Service', 'Type'), 'READY=1 after the first pass').to.equal('notify')
    expect(one('Service', 'NotifyAccess'), 'systemd-notify, a child, sends the messages').to.equal('all')
    expect(one('Service', 'WatchdogSec'), 'kept alive by the reconcile loop').to.match(/^\d+(s|min)$/)
    expect(one('Service', 'Restart')).to.equal('on-failure')
    const sec = Number.parseFloat(one('Service', 'RestartSec') ?? '0')
    expect(sec).to.be.within(1, 60)
    expect(words('Service', 'RestartPreventExitStatus')).to.deep.equal(['2'])
    expect(words('Install', 'WantedBy')).to.deep.equal(['multi-user.target', 'frr.service'])
  })

  it('orders itself after the network, OVS and FRR', () => {
    expect(words('Unit', 'After')).to.include.members([
      'network-online.target',
      'openvswitch-switch.service',
      'frr.service',
    ])
    expect(words('Unit', 'Wants')).to.include.members([
      'network-online.target',
      'openvswitch-switch.service',
      'frr.service',
    ])
    expect(get('Unit', 'Requires')).to.deep.equal([])
    expect(words('Unit', 'PartOf'), 'restarted with FRR').to.deep.equal(['frr.service'])
  })

  it('keeps only CAP_NET_ADMIN, never CAP_SYS_ADMIN, and cannot gain privileges', () => {
    expect(words('Service', 'CapabilityBoundingSet')).to.deep.equal(['CAP_NET_ADMIN'])
    expect(unitText).not.to.match(/^[^#]*CAP_SYS_ADMIN/m)
    expect(one('Service', 'NoNewPrivileges')).to.equal('yes')
    expect(words('Service', 'SupplementaryGroups')).to.deep.equal(['frrvty'])
  })

  it('sees a read-only system except rt_tables and its state directory, which match the config defaults', () => {
    const cfg = defaultConfig()
    expect(one('Service', 'ProtectSystem')).to.equal('strict')
    expect(one('Service', 'ProtectHome')).to.equal('yes')
    expect(one('Service', 'PrivateTmp')).to.equal('yes')
    expect(words('Service', 'ReadWritePaths').map((p) => p.replace(/^-/, ''))).to.deep.equal([
      dirname(cfg.rtTablesPath),
    ])
    expect(`/var/lib/${one('Service', 'StateDirectory')}`).to.equal(cfg.stateDir)
  })

  it('leaves out the hardening that would break the agent (sysctl writes, the JIT)', () => {
    expect(one('Service', 'ProtectKernelTunables')).to.equal(undefined)
    expect(one('Service', 'MemoryDenyWriteExecute')).to.equal(undefined)
    expect(words('Service', 'RestrictAddressFamilies')).to.include.members([
      'AF_NETLINK',
      'AF_UNIX',
      'AF_INET',
      'AF_INET6',
    ])
  })

  it('ships a modules-load.d file for the kernel modules', () => {
    const mods = readFileSync(join(root, 'packaging', 'modules-load.conf'), 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
    expect(mods).to.deep.equal(['vrf', 'dummy', '8021q'])
  })

  describe('checked by systemd', () => {
    let dir: string
    let unitPath: string

    before(function () {
      requireTools(this, ['systemd-analyze'])
      // verify also checks that ExecStart exists: point it at a binary that does, keep the rest as is
      dir = mkdtempSync(join(tmpdir(), 'unit-'))
      unitPath = join(dir, 'ovn-bgp.service')
      writeFileSync(unitPath, unitText.replace(/^ExecStart=\/usr\/bin\/ovn-bgp /m, 'ExecStart=/bin/true '))
    })

    after(() => {
      if (dir) rmSync(dir, {recursive: true, force: true})
    })

    it('systemd-analyze verify accepts the unit', () => {
      const r = spawnSync('systemd-analyze', ['verify', '--man=no', unitPath], {encoding: 'utf8'})
      expect(r.stderr + r.stdout).to.equal('')
      expect(r.status).to.equal(0)
    })

    it('systemd-analyze security rates the sandbox at exposure 3.0 or lower', () => {
      const r = spawnSync('systemd-analyze', ['security', '--offline=yes', '--no-pager', unitPath], {encoding: 'utf8'})
      const level = /Overall exposure level for \S+: ([\d.]+)/.exec(r.stdout)?.[1]
      expect(level, r.stderr).to.not.equal(undefined)
      expect(Number(level)).to.be.at.most(3)
    })
  })
})
