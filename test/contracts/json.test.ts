// The --json contract: the documents of sync, show-exposed, frr-leak, the expose-*/withdraw-* verbs,
// doctor, watch, explain, drain, undrain and the sandbox topic, and the error document of any
// command, produced in-process against a real NB ovsdb-server (and a real FRR for drain), validate
// (ajv) against the JSON Schemas shipped in schemas/ (draft 2020-12). The sandbox documents that
// need a running lab (up, peer, status of a running lab, the pass-through commands) are validated
// against the same schema in test/sandbox.test.ts.
// Versioning (src/lib/output/contract.ts, docs/operations.md "JSON contracts"): every document
// starts with schemaVersion; every key a document always carries is required, so a renamed or
// removed key fails here, while the objects stay open (no additionalProperties: false), so an
// ADDED key is not a contract change and consumers validating against these schemas keep working.
// A new command's schema follows the same rules: schemaVersion first, $ref defs.json#/$defs/schemaVersion.
import {expect} from 'chai'
import {execFileSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {basename, dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import type {CmdRun} from '../commands/adhoc-harness.js'

import {objKey} from '../../src/lib/planner/types.js'
import {paths} from '../../src/lib/sandbox/state-dir.js'
import {runAdhocCmd} from '../commands/adhoc-harness.js'
import {requireTools} from '../helpers/require.js'
import {FrrInstance} from '../lib/frr/frr-instance.js'
import {DocumentSource, VERB_RUNS} from './documents.js'
import {DRAFT, SchemaSet} from './schema-validator.js'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..')
const SCHEMAS = join(ROOT, 'schemas')
const schemaFiles = (): string[] =>
  readdirSync(SCHEMAS)
    .filter((f) => f.endsWith('.json'))
    .sort()
/** The commands, and the topics (directories: sandbox) whose commands share one document schema. */
const commandIds = (): string[] =>
  readdirSync(join(ROOT, 'src', 'commands'))
    .filter((f) => f.endsWith('.ts') || statSync(join(ROOT, 'src', 'commands', f)).isDirectory())
    .map((f) => basename(f, '.ts'))
    .sort()
/** Schema files that are not a command's document. */
const SHARED = new Set(['adhoc-verb.json', 'defs.json', 'error.json'])

interface Sample {
  name: string
  schema: string
  doc: unknown
}

type Json = null | boolean | number | string | Json[] | {[k: string]: Json}

/** Every path to an object key in `doc`, e.g. ['entries', 0, 'source', 'uuid'] (first array item only). */
function keyPaths(doc: Json, prefix: Array<string | number> = []): Array<Array<string | number>> {
  if (Array.isArray(doc)) return doc.length > 0 ? keyPaths(doc[0]!, [...prefix, 0]) : []
  if (doc === null || typeof doc !== 'object') return []
  return Object.entries(doc).flatMap(([k, v]) => [[...prefix, k], ...keyPaths(v, [...prefix, k])])
}

/** A copy of `doc` with the key at `path` removed, or renamed to `renamed`. */
function withKey(doc: Json, path: Array<string | number>, renamed?: string): Json {
  const copy = structuredClone(doc)
  let node = copy as Record<string | number, Json>
  for (const p of path.slice(0, -1)) node = node[p] as Record<string | number, Json>
  const last = path.at(-1)!
  const value = node[last]!
  delete node[last]
  if (renamed !== undefined) node[renamed] = value
  return copy
}

describe('contract: --json documents (schemas/*.json)', function () {
  this.timeout(300_000)
  const schemas = new SchemaSet(SCHEMAS)
  const src = new DocumentSource()
  const samples: Sample[] = []
  let frr: FrrInstance | undefined

  function take(name: string, schema: string, r: CmdRun, exitCodes: number[] = [0]): void {
    if (r.error || r.doc === undefined)
      throw new Error(`${name}: ${r.error?.message ?? 'no JSON document'}\n${r.stdout.slice(0, 2000)}`)
    expect(exitCodes, `${name}: exit status`).to.include(r.exitCode)
    samples.push({name, schema, doc: r.doc})
  }

  before(async function () {
    requireTools(this, ['ovsdb-server', 'ovsdb-tool', 'vtysh'])
    await src.start()
    take('sync --dry-run', 'sync', await src.run('sync', '--dry-run'))
    take('sync', 'sync', await src.run('sync'))
    take('sync (nothing to do)', 'sync', await src.run('sync'))
    take('show-exposed --source nb', 'show-exposed', await src.run('show-exposed', '--source', 'nb'))
    // drift: one address missing, one unexpected
    src.mem.objs.delete(objKey({kind: 'address', dev: 'bgp-nic', cidr: '172.24.4.226/32'}))
    src.mem.objs.set(objKey({kind: 'address', dev: 'bgp-nic', cidr: '192.0.2.99/32'}), {
      kind: 'address',
      dev: 'bgp-nic',
      cidr: '192.0.2.99/32',
    })
    take('show-exposed (drift)', 'show-exposed', await src.run('show-exposed'), [3])
    // a failing object: the report lists it under failed
    src.mem.failOn = (o) => o.kind === 'address'
    take('sync (partial failure)', 'sync', await src.run('sync'), [3])
    src.mem.failOn = () => false
    take('sync (repair)', 'sync', await src.run('sync'))
    take('show-exposed', 'show-exposed', await src.run('show-exposed'))
    take('frr-leak --dry-run', 'frr-leak', await src.frrLeakDryRun())
    for (const [id, args] of Object.entries(VERB_RUNS))
      take(`${id} ${args.join(' ')} --dry-run`, id, await src.run(id, ...args, '--dry-run'))
    take('withdraw-ip --port vm1', 'withdraw-ip', await src.run('withdraw-ip', '--port', 'vm1'))
    take('expose-ip --port vm1', 'expose-ip', await src.run('expose-ip', '--port', 'vm1'))
    take(
      'expose-ip (explicit values)',
      'expose-ip',
      await src.run(
        'expose-ip',
        '--ip',
        '172.24.4.99',
        '--bridge',
        'br-ex',
        '--vlan',
        '100',
        '--mac',
        'fa:16:3e:00:00:99',
        '--cidr',
        '172.24.4.99/24',
        '--dry-run',
      ),
    )
    take('doctor', 'doctor', await src.doctor(), [0, 2, 4])
    take('watch (SIGTERM)', 'watch', await src.watch())
    take('explain vm1 --source nb', 'explain', await src.run('explain', 'vm1', '--source', 'nb'))
    await src.run('sync')
    // node layers from the in-memory kernel, FRR unreachable: the FRR layer is missing (exit 3)
    take('explain 172.24.4.226 (FRR down)', 'explain', await src.run('explain', '172.24.4.226', ...src.frr()), [3])
    take('explain vm2 (not exposed)', 'explain', await src.run('explain', 'vm2', '--source', 'nb'))
    frr = await FrrInstance.start('contracts')
    const frrArgs = ['--frr-vty-socket', frr.dir, '--state-dir', src.state]
    take('drain --wait 0', 'drain', await src.runBare('drain', '--wait', '0', ...frrArgs))
    take('undrain', 'undrain', await src.runBare('undrain', ...frrArgs))
    // the sandbox topic without a lab: nothing running in the directory (exit 4), the lab's log,
    // and down cleaning up after nothing (a directory without the sandbox marker is left alone)
    const sbx = mkdtempSync(join(tmpdir(), 'contract-sandbox-'))
    try {
      take('sandbox status (none)', 'sandbox', await runAdhocCmd('sandbox/status', ['--dir', sbx, '--json']), [4])
      mkdirSync(paths(sbx).share, {recursive: true})
      writeFileSync(paths(sbx).agentLog, 'INFO watching\nWARN FRR leak check failed\n')
      take('sandbox logs', 'sandbox', await runAdhocCmd('sandbox/logs', ['--dir', sbx, '--lines', '1', '--json']))
      take('sandbox down (nothing running)', 'sandbox', await runAdhocCmd('sandbox/down', ['--dir', sbx, '--json']))
    } finally {
      rmSync(sbx, {recursive: true, force: true})
    }

    // the error document: a usage error, a configuration error
    takeError('sync --bogus', await src.run('sync', '--bogus'), 2)
    takeError('sync --bgp-vrf-table-id ten', await src.run('sync', '--bgp-vrf-table-id', 'ten'), 2)
    takeError('expose-ip --port no-such-port', await src.run('expose-ip', '--port', 'no-such-port', '--dry-run'), 2)
  })

  function takeError(name: string, r: CmdRun, exitCode: number): void {
    expect(r.exitCode, `${name}: exit status`).to.equal(exitCode)
    samples.push({name, schema: 'error', doc: JSON.parse(r.stdout) as unknown})
  }

  after(async () => {
    await frr?.stop()
    await src.stop()
  })

  it('has a draft 2020-12 schema, with its file name as $id, for every command and the sandbox topic', () => {
    for (const f of schemaFiles()) {
      const s = schemas.file(f) as Record<string, unknown>
      expect(s.$schema, f).to.equal(DRAFT)
      expect(s.$id, f).to.equal(f)
    }

    const documents = schemaFiles()
      .filter((f) => !SHARED.has(f))
      .map((f) => basename(f, '.json'))
    expect(documents).to.deep.equal(commandIds())
  })

  it('ships every schema in the npm package', function () {
    expect((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {files: string[]}).files).to.include(
      'schemas',
    )
    requireTools(this, ['npm'])
    const packed = JSON.parse(
      execFileSync('npm', ['pack', '--dry-run', '--ignore-scripts', '--json'], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'ignore'],
      }).toString(),
    ) as Array<{files: Array<{path: string}>}>
    const paths = new Set(packed[0]!.files.map((f) => f.path))
    expect(schemaFiles().filter((f) => !paths.has(`schemas/${f}`))).to.deep.equal([])
  })

  it('the real documents validate, every schema exercised', () => {
    const failures: string[] = []
    for (const s of samples) {
      const errors = schemas.validate(`${s.schema}.json`, s.doc)
      if (errors.length > 0)
        failures.push(`${s.name} (schemas/${s.schema}.json):\n  ${errors.slice(0, 20).join('\n  ')}`)
    }

    expect(failures.join('\n'), 'documents that no longer match their schema (a contract change?)').to.equal('')
    const used = new Set(samples.map((s) => `${s.schema}.json`))
    expect(schemaFiles().filter((f) => !SHARED.has(f) && !used.has(f))).to.deep.equal([])
  })

  it('the samples cover the optional parts: failures, drift, skipped rows, explicit targets, FRR without a device list', () => {
    const of = (name: string) => samples.find((s) => s.name === name)!.doc as Record<string, Json>
    expect(of('sync (partial failure)').failed).to.have.length.greaterThan(0)
    expect(of('sync --dry-run').skipped).to.have.length.greaterThan(0)
    expect((of('show-exposed (drift)').entries as Array<{state: string}>).map((e) => e.state)).to.include.members([
      'missing',
      'unexpected',
      'ok',
    ])
    expect(of('expose-ip (explicit values)').target).to.deep.include({mode: 'explicit'})
    expect(of('frr-leak --dry-run')).to.deep.include({devices: null, missing: null})
    expect(of('doctor').checks).to.have.length.greaterThan(0)
    expect(of('sandbox logs').output).to.deep.equal({code: 0, stdout: 'WARN FRR leak check failed', stderr: ''})
    expect(of('sandbox status (none)')).to.not.have.property('state')
  })

  it('a document with any one key removed or renamed fails its schema', () => {
    const unnoticed: string[] = []
    let tried = 0
    const seen = new Set<string>()
    for (const s of samples) {
      for (const path of keyPaths(s.doc as Json)) {
        const key = `${s.schema} ${path.map((p) => (typeof p === 'number' ? '[]' : p)).join('.')}`
        if (seen.has(key)) continue
        seen.add(key)
        // data, not contract keys: the kinds counted in added/removed, the explicit values given,
        // and a target's optional context (router, network)
        if (['added', 'removed', 'values'].includes(String(path.at(-2)))) continue
        if (path.at(-2) === 'target' && ['router', 'network'].includes(String(path.at(-1)))) continue
        // and a route's optional attributes (absent = the kernel's default)
        if (path.at(-2) === 'spec' && ['via', 'scope'].includes(String(path.at(-1)))) continue
        tried++
        if (
          schemas.validate(`${s.schema}.json`, withKey(s.doc as Json, path, `${String(path.at(-1))}_renamed`))
            .length === 0
        )
          unnoticed.push(`${key}: renamed`)
        if (schemas.validate(`${s.schema}.json`, withKey(s.doc as Json, path)).length === 0)
          unnoticed.push(`${key}: removed`)
      }
    }

    expect(tried).to.be.greaterThan(50)
    expect(unnoticed, 'key changes the schemas would let through').to.deep.equal([])
  })

  it('says which key is missing', () => {
    const sync = samples.find((s) => s.name === 'sync')!.doc as Json
    expect(schemas.validate('sync.json', withKey(sync, ['changed']))).to.deep.equal([
      '/: required key "changed" missing',
    ])
    const shown = samples.find((s) => s.name === 'show-exposed')!.doc as Json
    expect(schemas.validate('show-exposed.json', withKey(shown, ['entries', 0, 'source', 'uuid'], 'id'))).to.deep.equal(
      ['/entries/0/source: required key "uuid" missing'],
    )
  })

  it('every document, success or error, starts with schemaVersion 1', () => {
    for (const s of samples) expect(Object.entries(s.doc as object)[0], s.name).to.deep.equal(['schemaVersion', 1])
    expect(
      schemas.validate('sync.json', {...(samples.find((s) => s.name === 'sync')!.doc as object), schemaVersion: 2}),
    ).to.have.length.greaterThan(0)
  })

  it('an added key is not a contract change: the schemas accept it at every level', () => {
    const rejected: string[] = []
    for (const s of samples) {
      for (const path of [[], ...keyPaths(s.doc as Json)]) {
        const copy = structuredClone(s.doc) as Json
        let node = copy as Record<string | number, Json>
        for (const p of path) node = node[p] as Record<string | number, Json>
        if (node === null || typeof node !== 'object' || Array.isArray(node)) continue
        if (['added', 'removed', 'values'].includes(String(path.at(-1)))) continue // keys are data (kinds), closed by design
        node.addedInALaterVersion = 'x'
        if (schemas.validate(`${s.schema}.json`, copy).length > 0) rejected.push(`${s.schema} ${path.join('.') || '/'}`)
      }
    }

    expect(rejected).to.deep.equal([])
  })

  it('sync changes carry the object structured, not only as a display string', () => {
    const doc = samples.find((s) => s.name === 'sync --dry-run')!.doc as {
      changes: Array<{kind: string; object: string; spec: Record<string, unknown>}>
    }
    const addr = doc.changes.find((c) => c.kind === 'address')!
    expect(addr.spec).to.deep.equal({kind: 'address', dev: 'bgp-nic', cidr: addr.object.split(' ')[1]})
  })

  it('the error document: code, message, exit status and suggestions', () => {
    const bogus = samples.find((s) => s.name === 'sync --bogus')!.doc
    expect(bogus).to.deep.equal({
      schemaVersion: 1,
      error: {
        code: 'UNKNOWN_FLAG',
        message: 'unknown flag: --bogus',
        exitCode: 2,
        suggestions: ['see ovn-bgp sync --help'],
      },
    })
    const cfg = samples.find((s) => s.name === 'sync --bgp-vrf-table-id ten')!.doc as {
      error: {code: string; message: string}
    }
    expect(cfg.error.message).to.include('bgp-vrf-table-id')
  })
})
