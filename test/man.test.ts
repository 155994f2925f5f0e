// The man pages: one per command, every flag documented, no drift from the generator, and clean
// roff (groff lints nothing, man renders without warnings). New commands are picked up by listing
// src/commands/, so a command added without `npm run man` fails here.
import {expect} from 'chai'
import {execFileSync, spawnSync} from 'node:child_process'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {
  commandFiles,
  type CommandLike,
  esc,
  exitCodes,
  generatePages,
  loadCommands,
  type LoadedCommand,
  MAN_DIR,
  prose,
} from '../scripts/gen-man.js'
import {ExitCode} from '../src/lib/errors.js'
import {requireTools} from './helpers/require.js'

const commandIds = commandFiles().map((c) => c.page)
const page = (file: string): string => readFileSync(join(MAN_DIR, file), 'utf8')
const pageFiles = (): string[] =>
  readdirSync(MAN_DIR)
    .filter((f) => f.endsWith('.8'))
    .sort()

describe('man pages', function () {
  this.timeout(120_000)
  let commands: LoadedCommand[]

  before(async () => {
    commands = await loadCommands()
  })

  it('has a page for every command in src/commands, the overview, and nothing else', () => {
    expect(commandIds.length).to.be.greaterThan(0)
    expect(pageFiles()).to.deep.equal(['ovn-bgp.8', ...commandIds.map((id) => `ovn-bgp-${id}.8`)].sort())
  })

  it('documents every flag of every command, base flags and --json included', () => {
    const missing: string[] = []
    for (const {id, page: file, cls} of commands) {
      const text = page(`ovn-bgp-${file}.8`)
      // Hidden flags (kept for compatibility, e.g. on `sandbox`) are in neither --help nor the page.
      const visible = (flags: CommandLike['flags']) =>
        Object.entries(flags ?? {})
          .filter(([, f]) => !f.hidden)
          .map(([n]) => n)
      const names = [...visible(cls.flags), ...visible(cls.baseFlags), ...(cls.enableJsonFlag ? ['json'] : [])]
      expect(names, id).to.include.members(['config-file', 'config-dir', 'log-level', 'log-json', 'json'])
      for (const n of names)
        if (!text.includes(`\\fB\\-\\-${n.replaceAll('-', String.raw`\-`)}\\fR`)) missing.push(`${id}: --${n}`)
    }

    expect(missing).to.deep.equal([])
  })

  it('lists every command in the overview page', () => {
    const text = page('ovn-bgp.8')
    for (const id of commandIds) expect(text).to.include(`.BR ovn\\-bgp\\-${id.replaceAll('-', String.raw`\-`)} (8)`)
  })

  it('has the standard sections on every command page, examples expanded', () => {
    for (const id of commandIds) {
      const text = page(`ovn-bgp-${id}.8`)
      const sections = [...text.matchAll(/^\.SH (.+)$/gm)].map((m) => m[1])
      expect(sections, id).to.include.members([
        'NAME',
        'SYNOPSIS',
        'DESCRIPTION',
        'OPTIONS',
        'EXIT STATUS',
        'FILES',
        'SEE ALSO',
      ])
      expect(text, id).not.to.include('<%')
      for (const ref of [
        'ip (8)',
        String.raw`ovs\-ofctl (8)`,
        'vtysh (1)',
        String.raw`ovn\-nb (5)`,
        String.raw`ovn\-bgp (8)`,
      ])
        expect(text, `${id} ${ref}`).to.include(`.BR ${ref}`)
      expect(text).to.include(String.raw`/etc/ovn\-bgp\-agent/bgp\-agent.conf`)
    }
  })

  it('carries the exit status table of src/lib/errors.ts', () => {
    expect(exitCodes().map((e) => [e.name, e.code])).to.deep.equal(Object.entries(ExitCode))
    for (const f of pageFiles()) {
      for (const code of Object.values(ExitCode)) expect(page(f), f).to.match(new RegExp(`^\\.B ${code}$`, 'm'))
    }
  })

  it('matches what the generator produces now (run `npm run man` after changing a command)', async () => {
    const pages = await generatePages()
    for (const [file, text] of pages) {
      expect(existsSync(join(MAN_DIR, file)), `${file} missing`).to.equal(true)
      expect(page(file), `${file} is stale: run npm run man`).to.equal(text)
    }
  })

  it('lints clean with groff -man -ww -z', function () {
    requireTools(this, ['groff'])
    for (const f of pageFiles()) {
      const r = spawnSync('groff', ['-man', '-ww', '-z', join(MAN_DIR, f)], {encoding: 'utf8'})
      expect(r.stderr + r.stdout, f).to.equal('')
      expect(r.status, f).to.equal(0)
    }
  })

  it('renders with man -l at 80 columns without warnings', function () {
    requireTools(this, ['man'])
    for (const f of pageFiles()) {
      const r = spawnSync('man', ['-l', '--pager=cat', join(MAN_DIR, f)], {
        encoding: 'utf8',
        env: {...process.env, MANWIDTH: '80', MAN_DISABLE_SECCOMP: '1'},
      })
      expect(r.stderr, f).to.equal('')
      expect(r.status, f).to.equal(0)
      expect(r.stdout, f).to.match(/^NAME\n/m)
      expect(r.stdout, f).to.match(/^EXIT STATUS\n/m)
    }
  })

  it('renders options as typed-in ASCII (groff -Tutf8)', function () {
    requireTools(this, ['groff'])
    const out = execFileSync('groff', ['-man', '-Tutf8', '-P', '-c', join(MAN_DIR, 'ovn-bgp-doctor.8')], {
      encoding: 'utf8',
    }).replaceAll(/.\u0008/g, '')
    expect(out).to.include('--config-file')
    expect(out).to.include('ovn-bgp doctor --check frr-vty')
  })
})

describe('man generator: roff escaping', () => {
  it('escapes minus signs and backslashes, and protects leading dots and apostrophes', () => {
    expect(esc(String.raw`--json a\b`)).to.equal(String.raw`\-\-json a\eb`)
    expect(esc(".SH x\n'quote\nok")).to.equal("\\&.SH x\n\\&'quote\nok")
    expect(esc('run `ovn-bgp sync` now')).to.equal(String.raw`run \fBovn\-bgp sync\fR now`)
  })

  it('turns indented runs into no-fill blocks and "- " lines into list items', () => {
    expect(prose('Intro line\nsecond.\n\n  code -x\n    more\n\n- one\n  cont\n- two')).to.equal(
      [
        '.PP',
        'Intro line\nsecond.',
        '.PP',
        '.RS 4',
        '.nf',
        String.raw`code \-x`,
        '  more',
        '.fi',
        '.RE',
        String.raw`.IP \(bu 2`,
        'one\ncont',
        String.raw`.IP \(bu 2`,
        'two',
      ].join('\n'),
    )
    expect(prose('ACTION is one of:\n  up    start\n  down  stop\nThen more.')).to.equal(
      ['.PP', 'ACTION is one of:', '.RS 4', '.nf', 'up    start', 'down  stop', '.fi', '.RE', '.br', 'Then more.'].join(
        '\n',
      ),
    )
  })
})
