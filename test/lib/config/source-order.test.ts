// Configuration files and directories apply in command-line order, later ones winning, with
// several --config-dir, as oslo.config does (ConfigOpts parses --config-file/--config-dir into one
// ordered list). Table-driven over argv shapes, then through loadConfig.
import {expect} from 'chai'

import {loadConfig} from '../../../src/lib/config/index.js'
import {configSourceOrder} from '../../../src/lib/config/source-order.js'
import {memFs} from './helpers.js'

describe('config: files and directories in command-line order', () => {
  const cases: Array<{argv: string[]; files: string[]; dirs: string[]; want: string[]}> = [
    {
      argv: ['--config-file', 'a.conf', '--config-dir', 'd1', '--config-file', 'b.conf'],
      files: ['a.conf', 'b.conf'],
      dirs: ['d1'],
      want: ['file:a.conf', 'dir:d1', 'file:b.conf'],
    },
    {
      argv: ['--config-dir=d1', '--config-dir=d2', '--config-file=a.conf'],
      files: ['a.conf'],
      dirs: ['d1', 'd2'],
      want: ['dir:d1', 'dir:d2', 'file:a.conf'],
    },
    {argv: ['--dry-run', '--config-dir', 'd1', '--json'], files: [], dirs: ['d1'], want: ['dir:d1']},
    // nothing after --
    {argv: ['--config-file', 'a.conf', '--', '--config-dir', 'x'], files: ['a.conf'], dirs: [], want: ['file:a.conf']},
    // the parser saw something argv does not show: files first, then dirs
    {argv: [], files: ['a.conf'], dirs: ['d1'], want: ['file:a.conf', 'dir:d1']},
  ]
  for (const c of cases) {
    it(c.argv.join(' ') || '(values not from argv)', () => {
      expect(configSourceOrder(c.argv, c.files, c.dirs).map((s) => `${s.kind}:${s.path}`)).to.deep.equal(c.want)
    })
  }

  const fs = memFs({
    '/etc/ovn-bgp-agent/bgp-agent.conf': '[DEFAULT]\nbgp_AS = 64999\nbgp_nic = nic-file\n',
    '/etc/ovn-bgp-agent/bgp-agent.conf.d/10-as.conf': '[DEFAULT]\nbgp_AS = 65001\n',
    '/etc/ovn-bgp-agent/bgp-agent.conf.d/20-vrf.conf': '[DEFAULT]\nbgp_vrf = vrf-d1\n',
    '/run/ovn-bgp/override.d/50.conf': '[DEFAULT]\nbgp_vrf = vrf-d2\nbgp_nic = nic-d2\n',
    '/etc/ovn-bgp-agent/last.conf': '[DEFAULT]\nbgp_nic = nic-last\n',
  })

  it('a later --config-dir overrides an earlier one, and a file after them overrides both', async () => {
    const files = ['/etc/ovn-bgp-agent/bgp-agent.conf', '/etc/ovn-bgp-agent/last.conf']
    const dirs = ['/etc/ovn-bgp-agent/bgp-agent.conf.d', '/run/ovn-bgp/override.d']
    const argv = [
      '--config-file',
      files[0]!,
      '--config-dir',
      dirs[0]!,
      '--config-dir',
      dirs[1]!,
      '--config-file',
      files[1]!,
    ]
    const r = await loadConfig({fs, files, dirs, order: configSourceOrder(argv, files, dirs)})
    expect(r.files).to.deep.equal([
      '/etc/ovn-bgp-agent/bgp-agent.conf',
      '/etc/ovn-bgp-agent/bgp-agent.conf.d/10-as.conf',
      '/etc/ovn-bgp-agent/bgp-agent.conf.d/20-vrf.conf',
      '/run/ovn-bgp/override.d/50.conf',
      '/etc/ovn-bgp-agent/last.conf',
    ])
    expect(r.config.bgpAS).to.equal('65001') // the directory after the file wins
    expect(r.config.bgpVrf).to.equal('vrf-d2') // the second directory wins over the first
    expect(r.config.bgpNic).to.equal('nic-last') // the last file wins over both directories
  })

  it('a directory given before the file is overridden by it', async () => {
    const files = ['/etc/ovn-bgp-agent/bgp-agent.conf']
    const dirs = ['/etc/ovn-bgp-agent/bgp-agent.conf.d']
    const r = await loadConfig({
      fs,
      files,
      dirs,
      order: configSourceOrder(['--config-dir', dirs[0]!, '--config-file', files[0]!], files, dirs),
    })
    expect(r.config.bgpAS).to.equal('64999')
  })
})
