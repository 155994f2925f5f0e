// `ovn-bgp sandbox` end to end, through the built CLI (bin/run.js, dist/): up -> the peer has the
// demo topology's /32 and /128 -> an NB change unbinds vm1 -> the peer drops its prefixes within a
// bounded time -> down -> no qemu process, no namespace, no directory left. On this kind of machine
// (no vrf/dummy/veth in the host kernel) the lab runs in the qemu guest, so this takes minutes.
// The sandbox lives in its own directory (--dir), so it never touches a user's sandbox.
// Every --json document of the run is validated (ajv) against schemas/sandbox.json (show-exposed's
// against schemas/show-exposed.json): the lab-side half of test/contracts/json.test.ts.
import {type Command, Config} from '@oclif/core'
import {expect} from 'chai'
import {spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, readdirSync, readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import type {SandboxResult} from '../src/lib/sandbox-command.js'

import {EXPECTED_PREFIXES, parseGobgpRib, renderPeerTable} from '../src/lib/sandbox/peer.js'
import {validateRequest} from '../src/lib/sandbox/protocol.js'
import {SchemaSet} from './contracts/schema-validator.js'
import {requireTools} from './helpers/require.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

function cli(args: string[], timeoutMs: number): {code: number; stdout: string; stderr: string; ms: number} {
  const t0 = Date.now()
  const r = spawnSync(process.execPath, [join(root, 'bin', 'run.js'), 'sandbox', ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: timeoutMs,
    env: {...process.env, NO_COLOR: '1'},
  })
  return {code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '', ms: Date.now() - t0}
}

const schemas = new SchemaSet(join(root, 'schemas'))

/** The --json document of `r`, after checking it against its schema. */
function json(r: {stdout: string; stderr: string; code: number}, schema = 'sandbox.json'): SandboxResult {
  let doc: SandboxResult
  try {
    doc = JSON.parse(r.stdout) as SandboxResult
  } catch {
    throw new Error(`not JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`)
  }

  expect(schemas.validate(schema, doc), `document against schemas/${schema}`).to.deep.equal([])
  return doc
}

/** Processes whose command line mentions `needle`. */
function processesWith(needle: string): string[] {
  const out: string[] = []
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue
    try {
      const cmd = readFileSync(`/proc/${e}/cmdline`, 'utf8').replaceAll('\0', ' ')
      if (cmd.includes(needle)) out.push(`${e}: ${cmd}`)
    } catch {}
  }

  return out
}

describe('ovn-bgp sandbox (lab up, NB change, down)', function () {
  this.timeout(15 * 60_000)
  let dir: string | undefined

  before(function () {
    requireTools(this, ['qemu-system-x86_64', 'ovsdb-server', 'ovn-nbctl', 'ovs-vswitchd', 'vtysh', 'gobgpd', 'ip'], {
      root: true,
    })
    if (
      !existsSync(join(root, 'dist', 'lib', 'sandbox', 'node-agent.js')) ||
      !existsSync(join(root, 'dist', 'commands', 'sandbox', 'index.js'))
    ) {
      // The lab runs the compiled JavaScript (node in the guest is too slow for tsx).
      spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], {cwd: root, stdio: 'ignore'})
    }

    dir = join(mkdtempSync('/tmp/ovn-bgp-sandbox-test-'), 'sbx')
  })

  after(() => {
    if (dir && existsSync(dir)) cli(['down', '--dir', dir], 120_000)
    if (dir) spawnSync('rmdir', [dirname(dir)])
  })

  it('starts, the peer receives the demo prefixes, follows an NB change, and cleans up everything', () => {
    const d = dir!
    const upRes = cli(['up', '--dir', d, '--json', '--timeout', '420'], 480_000)
    const started = json(upRes)
    const got = (started.routes ?? []).map((r) => r.prefix)
    expect(started.missing, `peer lacks prefixes; stderr:\n${upRes.stderr}`).to.deep.equal([])
    expect(got).to.include.members(EXPECTED_PREFIXES)
    expect(got).to.include.members(['172.24.4.11/32', '2001:db8:100::11/128'])
    expect(got, 'vm2 is bound to compute-2').to.not.include('172.24.4.12/32')
    expect(started.lab?.bgpSession).to.equal('established')
    console.log(`      sandbox up in ${started.startSeconds} s (${started.state?.mode})`)

    // A second `up` on the same directory is refused and leaves the running lab alone.
    const again = cli(['up', '--dir', d], 120_000)
    expect(again.code, again.stderr).to.equal(2)
    expect(again.stderr).to.match(/already running/)

    const st = json(cli(['status', '--dir', d, '--json'], 120_000))
    expect(st.lab?.processes.filter((p) => !p.alive)).to.deep.equal([])
    // the other documents of the topic, each validated against its schema
    const addrs = json(cli(['ip', '--dir', d, '--json', '--', '-j', 'addr', 'show', 'dev', 'bgp-nic'], 120_000))
    expect(addrs.output?.stdout).to.match(/bgp-nic/)
    const bgp = json(cli(['vtysh', '--dir', d, '--json', 'show bgp summary'], 120_000))
    expect(bgp.output?.code).to.equal(0)
    expect(json(cli(['logs', '--dir', d, '--json', '--lines', '5'], 120_000)).output?.stdout).to.not.equal('')
    const shown = json(cli(['show-exposed', '--dir', d, '--json'], 120_000), 'show-exposed.json') as unknown as {
      entries: unknown[]
    }
    expect(shown.entries).to.have.length.greaterThan(0)

    // Unbind vm1 from this chassis: its /32 and /128 must be withdrawn at the peer.
    const nb = cli(['nbctl', '--dir', d, '--', 'lsp-set-options', 'vm1', 'requested-chassis=compute-2'], 120_000)
    expect(nb.code, nb.stderr).to.equal(0)
    const t0 = Date.now()
    const peer = cli(
      [
        'peer',
        '--dir',
        d,
        '--json',
        '--wait-for',
        '!172.24.4.11/32',
        '--wait-for',
        '!2001:db8:100::11/128',
        '--timeout',
        '120',
      ],
      180_000,
    )
    const after = json(peer)
    expect(after.missing, `still advertised after 120 s:\n${peer.stderr}`).to.deep.equal([])
    const prefixes = (after.routes ?? []).map((r) => r.prefix)
    expect(prefixes).to.not.include('172.24.4.11/32')
    expect(prefixes, 'the rest stays').to.include.members(['172.24.4.10/32', '172.24.4.50/32'])
    console.log(`      vm1 withdrawn at the peer ${((Date.now() - t0) / 1000).toFixed(1)} s after the NB change`)

    // Errors from the allow-list come back as exit 2 without running anything.
    const bad = cli(['ip', '--dir', d, '--', 'link', 'del', 'bgp-nic'], 120_000)
    expect(bad.code).to.equal(2)
    expect(bad.stderr).to.match(/read-only/)

    const downRes = cli(['down', '--dir', d, '--json'], 180_000)
    expect(downRes.code, downRes.stderr).to.equal(0)
    expect(json(downRes).did).to.have.length.greaterThan(0)
    expect(existsSync(d), 'state dir removed').to.equal(false)
    expect(processesWith(d), 'no process of the sandbox left (qemu, launcher)').to.deep.equal([])
    const netns = spawnSync('ip', ['netns', 'list'], {encoding: 'utf8'}).stdout
    expect(netns).to.not.match(/ovnbgp-sbx|sbx-peer|ovnbgp-probe/)
  })
})

describe('sandbox request allow-list (protocol.ts)', () => {
  it('passes nbctl arguments through as argv, but not options that pick another DB or write files', () => {
    expect(
      validateRequest({op: 'nbctl', args: ['lsp-set-options', 'vm2', 'requested-chassis=compute-1']}),
    ).to.deep.equal({
      op: 'nbctl',
      args: ['lsp-set-options', 'vm2', 'requested-chassis=compute-1'],
    })
    expect(validateRequest({op: 'nbctl', args: ['--', 'set', 'Logical_Switch_Port', 'vm3', 'up=false']}).op).to.equal(
      'nbctl',
    )
    for (const bad of ['--db=unix:/x', '--log-file=/etc/passwd', '-d', '--pidfile', '--detach'])
      expect(() => validateRequest({op: 'nbctl', args: [bad, 'show']}), bad).to.throw(/set by the sandbox/)
    expect(() => validateRequest({op: 'nbctl', args: ['a\0b']})).to.throw(/NUL/)
    expect(() => validateRequest({op: 'nbctl', args: [1]})).to.throw(/strings/)
  })

  it('accepts only read-only ip, vtysh and OVS commands', () => {
    expect(validateRequest({op: 'ip', args: ['-j', 'addr', 'show', 'dev', 'bgp-nic']}).op).to.equal('ip')
    expect(validateRequest({op: 'ip', args: ['route', 'show', 'table', '1']}).op).to.equal('ip')
    expect(validateRequest({op: 'ip', args: ['rule']}).op).to.equal('ip')
    expect(() => validateRequest({op: 'ip', args: ['link', 'del', 'bgp-nic']})).to.throw(/read-only/)
    expect(() => validateRequest({op: 'ip', args: ['-n', 'x', 'addr']})).to.throw(/not allowed/)
    expect(() => validateRequest({op: 'ip', args: ['netns', 'exec', 'x', 'sh']})).to.throw(/object/)
    expect(() => validateRequest({op: 'ip', args: ['-batch', '/tmp/x']})).to.throw(/not allowed/)
    expect(validateRequest({op: 'vtysh', command: 'show bgp ipv4 unicast'}).op).to.equal('vtysh')
    expect(() => validateRequest({op: 'vtysh', command: 'configure terminal'})).to.throw(/show/)
    expect(() => validateRequest({op: 'vtysh', command: 'show x\nconfigure terminal'})).to.throw(/show/)
    expect(validateRequest({op: 'ovs', tool: 'ovs-ofctl', args: ['dump-flows', 'br-ex']}).op).to.equal('ovs')
    expect(() => validateRequest({op: 'ovs', tool: 'ovs-ofctl', args: ['del-flows', 'br-ex']})).to.throw(/verb/)
    expect(() => validateRequest({op: 'ovs', tool: 'ovs-vsctl', args: ['--db=tcp:1.2.3.4:1', 'show']})).to.throw(
      /options/,
    )
    expect(() => validateRequest({op: 'ovs', tool: 'sh', args: ['-c', 'id']})).to.throw(/tool/)
    expect(() => validateRequest({op: 'exec', args: ['sh']})).to.throw(/unknown operation/)
    expect(() => validateRequest(null)).to.throw()
  })
})

describe('sandbox pass-through commands: arguments for the lab', () => {
  // The command classes are built and parsed in-process (nothing runs in a lab).
  const labArgs = async (id: string, argv: string[]) => {
    const config = await Config.load(root)
    const {default: Cls} = (await import(`../src/commands/sandbox/${id}.js`)) as {
      default: new (argv: string[], config: Config) => Command
    }
    const cmd = new Cls(argv, config) as unknown as {
      init(): Promise<void>
      labArgs(): Promise<string[]>
      jsonEnabled(): boolean
      flags: {dir?: string}
    }
    await cmd.init()
    return {lab: await cmd.labArgs(), dir: cmd.flags.dir, json: cmd.jsonEnabled()}
  }

  it('gives the lab command every word but --dir and --json, in order; after "--" everything', async () => {
    expect(await labArgs('ip', ['-br', 'addr'])).to.deep.equal({lab: ['-br', 'addr'], dir: undefined, json: false})
    expect(await labArgs('ip', ['--dir', '/x', '--', 'link', 'del', 'y'])).to.deep.equal({
      lab: ['link', 'del', 'y'],
      dir: '/x',
      json: false,
    })
    expect(await labArgs('nbctl', ['--', 'lsp-set-options', 'vm2', 'requested-chassis=compute-1'])).to.deep.equal({
      lab: ['lsp-set-options', 'vm2', 'requested-chassis=compute-1'],
      dir: undefined,
      json: false,
    })
    expect(await labArgs('nbctl', ['--dir=/x', '--bare', 'list', 'NAT', '--json'])).to.deep.equal({
      lab: ['--bare', 'list', 'NAT'],
      dir: '/x',
      json: true,
    })
    expect(await labArgs('nbctl', ['show', '--', '--dir', 'x', '--json'])).to.deep.equal({
      lab: ['show', '--dir', 'x', '--json'],
      dir: undefined,
      json: false,
    })
    expect(await labArgs('vtysh', ['show', 'bgp', 'ipv4', 'unicast'])).to.deep.include({
      lab: ['show', 'bgp', 'ipv4', 'unicast'],
    })
    expect(await labArgs('ovs-ofctl', ['-O', 'OpenFlow13', 'dump-flows', 'br-ex'])).to.deep.include({
      lab: ['-O', 'OpenFlow13', 'dump-flows', 'br-ex'],
    })
  })
})

describe('sandbox peer table (gobgp global rib -j)', () => {
  it('parses IPv4 and IPv6 paths, next hops and AS paths', () => {
    const v4 = JSON.stringify({
      '172.24.4.11/32': [
        {
          nlri: {prefix: '172.24.4.11/32'},
          age: 1000,
          best: true,
          attrs: [
            {type: 1, value: 2},
            {type: 2, as_paths: [{segment_type: 2, num: 1, asns: [64_999]}]},
            {type: 3, nexthop: '169.254.77.1'},
          ],
        },
      ],
    })
    const v6 = JSON.stringify({
      '2001:db8:100::11/128': [
        {
          nlri: {prefix: '2001:db8:100::11/128'},
          age: 990,
          best: true,
          attrs: [
            {type: 2, as_paths: [{asns: [64_999]}]},
            {type: 14, nexthop: 'fe80::1', value: []},
          ],
        },
      ],
    })
    const rows = [...parseGobgpRib(v4, 'ipv4', 1010), ...parseGobgpRib(v6, 'ipv6', 1010)]
    expect(rows).to.deep.equal([
      {family: 'ipv4', prefix: '172.24.4.11/32', nexthop: '169.254.77.1', asPath: '64999', best: true, ageS: 10},
      {family: 'ipv6', prefix: '2001:db8:100::11/128', nexthop: 'fe80::1', asPath: '64999', best: true, ageS: 20},
    ])
    expect(parseGobgpRib('{}', 'ipv4')).to.deep.equal([])
    expect(parseGobgpRib('', 'ipv4')).to.deep.equal([])
    expect(renderPeerTable(rows)).to.include('172.24.4.11/32').and.include('fe80::1')
    expect(renderPeerTable([])).to.equal('the peer has received no prefixes')
  })
})
