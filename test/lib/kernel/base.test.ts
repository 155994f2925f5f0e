import {expect} from 'chai'

import type {LinkInfo} from '../../../src/lib/kernel/parse.js'

import {RecordingRunner, type RunResult} from '../../../src/lib/exec/runner.js'
import {baseInPlace, defaultRoutes, linkWiring} from '../../../src/lib/kernel/base.js'
import {Kernel} from '../../../src/lib/kernel/kernel.js'
import {linkInfo} from '../../helpers/kernel-links.js'

const ok = (stdout = ''): RunResult => ({code: 0, stdout, stderr: ''})
const opts = {
  bgpVrf: 'bgp-vrf',
  vrfTable: 10,
  bgpNic: 'bgp-nic',
  bridges: [
    {name: 'br-ex', table: 200},
    {name: 'br-gone', table: 201},
  ],
}

const linksReady = JSON.stringify([
  {ifname: 'bgp-vrf', flags: ['UP'], linkinfo: {info_kind: 'vrf', info_data: {table: 10}}},
  {ifname: 'bgp-nic', flags: ['UP'], master: 'bgp-vrf', linkinfo: {info_kind: 'dummy'}},
  {ifname: 'br-ex', flags: ['UP'], linkinfo: {info_kind: 'bridge'}},
])
const defaults4 = JSON.stringify([{type: '1', dst: 'default', dev: 'br-ex', protocol: '3', scope: '253'}])
const defaults6 = JSON.stringify([{type: '1', dst: 'default', dev: 'br-ex', protocol: '3', scope: '0'}])

describe('kernel/base (recorded commands)', () => {
  it('creates what is missing, in order, and reports it', async () => {
    let created = false
    const runner = new RecordingRunner((_f, args) => {
      const a = args.join(' ')
      if (a === '-json -details link show') {
        const links = created
          ? [
              {ifname: 'bgp-vrf', flags: [], linkinfo: {info_kind: 'vrf', info_data: {table: 10}}},
              {ifname: 'bgp-nic', flags: [], linkinfo: {info_kind: 'dummy'}},
              {ifname: 'br-ex', flags: [], linkinfo: {info_kind: 'bridge'}},
            ]
          : [{ifname: 'br-ex', flags: [], linkinfo: {info_kind: 'bridge'}}]
        created = true
        return ok(JSON.stringify(links))
      }

      if (a.includes('route show')) return ok('[]')
      return ok()
    })
    const res = await new Kernel(runner, {stateDir: '/nonexistent'}).ensureBase(opts)
    const mutating = runner.calls
      .filter((c) => !c.args.includes('show'))
      .map((c) => c.args.join(' ') + (c.input ? ` <<${c.input.trim()}` : ''))
    // one read of the links, the link steps in one process, in the order they need
    expect(runner.calls.filter((c) => c.args.join(' ') === '-json -details link show')).to.have.length(1)
    expect(mutating).to.deep.equal([
      '-force -batch - <<' +
        [
          'link add bgp-vrf type vrf table 10',
          'link add bgp-nic type dummy',
          'link set dev bgp-vrf up',
          'link set dev bgp-nic master bgp-vrf',
          'link set dev bgp-nic up',
          'link set dev br-ex up',
        ].join('\n'),
      '-4 -force -batch - <<route replace default dev br-ex table 200 proto 3 scope link',
      '-6 -force -batch - <<route replace default dev br-ex table 200 proto 3',
    ])
    expect(res.missingBridges).to.deep.equal(['br-gone'])
    expect(res.failed).to.deep.equal([])
    expect(res.changed).to.have.length(8)
  })

  it('only reads when everything is in place', async () => {
    const runner = new RecordingRunner((_f, args) => {
      const a = args.join(' ')
      if (a === '-json -details link show') return ok(linksReady)
      if (a.startsWith('-4 -N -d -json route show table 200')) return ok(defaults4)
      if (a.startsWith('-6 -N -d -json route show table 200')) return ok(defaults6)
      return ok('[]')
    })
    const res = await new Kernel(runner, {stateDir: '/nonexistent'}).ensureBase({...opts, bridges: [opts.bridges[0]!]})
    // the links it read go with the result (the first pass's context uses them: kernel-parts.ts)
    expect(res).to.deep.equal({
      changed: [],
      missingBridges: [],
      warnings: [],
      failed: [],
      links: ['bgp-vrf', 'bgp-nic', 'br-ex'],
    })
    expect(runner.calls.every((c) => c.args.includes('show'))).to.equal(true)
  })

  it('does not touch a device that has the VRF name but another kind', async () => {
    const runner = new RecordingRunner((_f, args) =>
      args.join(' ') === '-json -details link show'
        ? ok(
            JSON.stringify([
              {ifname: 'bgp-vrf', flags: ['UP'], linkinfo: {info_kind: 'bridge'}},
              {ifname: 'bgp-nic', flags: ['UP'], linkinfo: {info_kind: 'dummy'}},
            ]),
          )
        : ok('[]'),
    )
    const res = await new Kernel(runner, {stateDir: '/nonexistent'}).ensureBase({...opts, bridges: []})
    expect(res.failed).to.deep.equal(['bgp-vrf exists but is a bridge device, not a VRF'])
    expect(runner.calls.filter((c) => !c.args.includes('show'))).to.deep.equal([])
  })

  it('reports a failed creation once, not the steps that needed the device', async () => {
    const runner = new RecordingRunner((_f, args, input) => {
      const a = args.join(' ')
      if (a === '-json -details link show') return ok(JSON.stringify([]))
      if (a === '-force -batch -' && input?.startsWith('link add bgp-vrf'))
        return {
          code: 1,
          stdout: '',
          stderr: [
            'Error: Unknown device type.',
            'Command failed -:1',
            'Cannot find device "bgp-vrf"',
            'Command failed -:3',
            'Cannot find device "bgp-vrf"',
            'Command failed -:4',
          ].join('\n'),
        }
      return ok('[]')
    })
    const res = await new Kernel(runner, {stateDir: '/nonexistent'}).ensureBase({...opts, bridges: []})
    expect(res.failed).to.deep.equal(['created VRF bgp-vrf table 10: Error: Unknown device type.'])
    expect(res.changed).to.deep.equal(['created dummy bgp-nic', 'set bgp-nic up'])
    expect(res.links, 'the device created, not the one that failed').to.deep.equal(['bgp-nic'])
  })

  it('defaultRoutes gives the shapes of the upstream table defaults', () => {
    expect(defaultRoutes('br-ex', 200)).to.deep.equal([
      {kind: 'route', family: 4, table: 200, dst: 'default', dev: 'br-ex', scope: 'link', proto: 3},
      {kind: 'route', family: 6, table: 200, dst: 'default', dev: 'br-ex', proto: 3},
    ])
  })
})

describe('kernel/base: linkWiring (the link steps from one read of the links)', () => {
  const link = linkInfo
  const o = {...opts, bridges: [{name: 'br-ex', table: 200}]}
  const vrf = link('bgp-vrf', {kind: 'vrf', vrfTable: 10})
  const nic = link('bgp-nic', {kind: 'dummy', master: 'bgp-vrf'})
  const br = link('br-ex')
  const cases: Array<{
    name: string
    links: LinkInfo[]
    steps: string[]
    needs?: Array<number[] | undefined>
    failed?: string[]
    warnings?: string[]
    missing?: string[]
  }> = [
    {name: 'everything in place', links: [vrf, nic, br], steps: []},
    {
      name: 'nothing yet',
      links: [br],
      steps: [
        'link add bgp-vrf type vrf table 10',
        'link add bgp-nic type dummy',
        'link set dev bgp-vrf up',
        'link set dev bgp-nic master bgp-vrf',
        'link set dev bgp-nic up',
      ],
      needs: [undefined, undefined, [0], [1, 0], [1]],
    },
    {
      name: 'bgp-nic released and down',
      links: [vrf, link('bgp-nic', {kind: 'dummy', up: false}), br],
      steps: ['link set dev bgp-nic master bgp-vrf', 'link set dev bgp-nic up'],
    },
    {
      name: 'VRF down, bridge down',
      links: [{...vrf, up: false}, nic, link('br-ex', {up: false})],
      steps: ['link set dev bgp-vrf up', 'link set dev br-ex up'],
    },
    {
      name: 'a bridge where the VRF should be: reported, bgp-nic left unenslaved',
      links: [link('bgp-vrf', {kind: 'bridge'}), link('bgp-nic', {kind: 'dummy'}), br],
      steps: [],
      failed: ['bgp-vrf exists but is a bridge device, not a VRF'],
    },
    {
      name: 'VRF of another table: warned, used as it is',
      links: [link('bgp-vrf', {kind: 'vrf', vrfTable: 11}), nic, br],
      steps: [],
      warnings: ['VRF bgp-vrf uses table 11, configured 10 (not corrected)'],
    },
    {name: 'bridge missing', links: [vrf, nic], steps: [], missing: ['br-ex']},
  ]
  for (const c of cases) {
    it(c.name, () => {
      const w = linkWiring(new Map(c.links.map((l) => [l.name, l])), o)
      expect(w.steps.map((s) => s.op.args.join(' '))).to.deep.equal(c.steps)
      if (c.needs) expect(w.steps.map((s) => s.needs)).to.deep.equal(c.needs)
      expect(w.failed).to.deep.equal(c.failed ?? [])
      expect(w.warnings).to.deep.equal(c.warnings ?? [])
      expect(w.missingBridges).to.deep.equal(c.missing ?? [])
      expect(w.present).to.deep.equal(c.missing ? [] : ['br-ex'])
    })
  }

  it('refuses a device name that could be read as an option', () => {
    expect(() => linkWiring(new Map(), {...o, bgpNic: '-bad'})).to.throw()
  })
})

describe('kernel/base: baseInPlace (the watched model answers the upkeep question)', () => {
  const link = linkInfo
  const ready = (): Map<string, LinkInfo> =>
    new Map([
      ['bgp-vrf', link('bgp-vrf', {kind: 'vrf', vrfTable: 10})],
      ['bgp-nic', link('bgp-nic', {kind: 'dummy', master: 'bgp-vrf'})],
      ['br-ex', link('br-ex')],
    ])
  const o = {...opts, bridges: [{name: 'br-ex', table: 200}]}
  const allRoutes = new Set(defaultRoutes('br-ex', 200).map((r) => `${r.family}|${r.table}|${r.dev}`))
  const cases: Array<{name: string; links?: (l: Map<string, LinkInfo>) => void; routes?: Set<string>; want: boolean}> =
    [
      {name: 'everything in place', want: true},
      {name: 'no VRF', links: (l) => l.delete('bgp-vrf'), want: false},
      {
        name: 'VRF down',
        links: (l) => l.set('bgp-vrf', link('bgp-vrf', {kind: 'vrf', vrfTable: 10, up: false})),
        want: false,
      },
      {
        name: 'VRF of another table',
        links: (l) => l.set('bgp-vrf', link('bgp-vrf', {kind: 'vrf', vrfTable: 11})),
        want: false,
      },
      {
        name: 'a dummy where the VRF should be',
        links: (l) => l.set('bgp-vrf', link('bgp-vrf', {kind: 'dummy'})),
        want: false,
      },
      {name: 'bgp-nic missing', links: (l) => l.delete('bgp-nic'), want: false},
      {
        name: 'bgp-nic released from the VRF',
        links: (l) => l.set('bgp-nic', link('bgp-nic', {kind: 'dummy'})),
        want: false,
      },
      {
        name: 'bgp-nic down',
        links: (l) => l.set('bgp-nic', link('bgp-nic', {master: 'bgp-vrf', up: false})),
        want: false,
      },
      {name: 'bridge missing', links: (l) => l.delete('br-ex'), want: false},
      {name: 'bridge down', links: (l) => l.set('br-ex', link('br-ex', {up: false})), want: false},
      {name: 'IPv6 default route missing', routes: new Set(['4|200|br-ex']), want: false},
      {name: 'default route through another device', routes: new Set(['4|200|br-ex', '6|200|eth0']), want: false},
    ]
  for (const c of cases) {
    it(`${c.name} -> ${c.want}`, () => {
      const l = ready()
      c.links?.(l)
      const routes = c.routes ?? allRoutes
      expect(baseInPlace(l, (r) => routes.has(`${r.family}|${r.table}|${r.dev}`), o)).to.equal(c.want)
    })
  }
})
