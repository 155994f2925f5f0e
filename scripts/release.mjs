#!/usr/bin/env node
// The release artefact: ovn-bgp-<version>.tgz, an npm package with NO dependencies, so that
// `npm install --global --offline ./ovn-bgp-<version>.tgz` works on a node without registry
// access. Staged in build/package/ from the built dist/ (run `npm run build` first):
//   bin/ovn-bgp.js            starts the bundle
//   dist/ovn-bgp.mjs          every command, oclif, chalk, execa, prom-client ... in one file
//                             (esbuild, at build time only: esbuild is a devDependency)
//   oclif.manifest.json       commands and flags without importing them (fast --help)
//   man/ packaging/ schemas/  man pages, systemd unit, modules-load list, JSON Schemas
//   completions/              bash and zsh completion scripts
//   LICENSE README.md package.json
// Not in the artefact: `ovn-bgp sandbox` (its VM and namespace scripts live in the repository),
// source maps (they would point at src/, which is not shipped) and the library exports.
//   node scripts/release.mjs [--out DIR]    -> DIR/ovn-bgp-<version>.tgz (default: the repository)
import {execFileSync} from 'node:child_process'
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const oi = process.argv.indexOf('--out')
const outDir = resolve(oi === -1 ? root : process.argv[oi + 1])
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const stage = join(root, 'build', 'package')

/** Commands of the repository that an installed package does not offer. */
const NOT_SHIPPED = new Set(['sandbox'])

if (!existsSync(join(root, 'dist', 'commands'))) throw new Error('dist/ missing: run `npm run build` first')
rmSync(stage, {recursive: true, force: true})
mkdirSync(join(stage, 'dist'), {recursive: true})

// --- the bundle -----------------------------------------------------------------------------------
const commands = readdirSync(join(root, 'dist', 'commands'))
  .filter((f) => f.endsWith('.js'))
  .map((f) => f.slice(0, -3))
  .filter((id) => !NOT_SHIPPED.has(id))
  .sort()
const nm = (p) => JSON.stringify(join(root, 'node_modules', p))
const ident = (id) => 'C_' + id.replaceAll(/\W/g, '_')
const entry = [
  "export {execute} from '@oclif/core'",
  "export {quietOnClosedPipe} from './dist/lib/cli/closed-pipe.js'",
  ...commands.map((id) => `import ${ident(id)} from ${JSON.stringify(`./dist/commands/${id}.js`)}`),
  `import {commands as helpCommands} from '@oclif/plugin-help'`,
  `import Autocomplete from ${nm('@oclif/plugin-autocomplete/lib/commands/autocomplete/index.js')}`,
  `import AutocompleteCreate from ${nm('@oclif/plugin-autocomplete/lib/commands/autocomplete/create.js')}`,
  `import AutocompleteScript from ${nm('@oclif/plugin-autocomplete/lib/commands/autocomplete/script.js')}`,
  "export {default as initBuildInfo} from './dist/hooks/init/build-info.js'",
  "export {default as commandNotFound} from './dist/hooks/command-not-found/suggest.js'",
  "export {default as Help} from './dist/help.js'",
  'export const COMMANDS = {',
  ...commands.map((id) => `  ${JSON.stringify(id)}: ${ident(id)},`),
  '  ...helpCommands,',
  "  autocomplete: Autocomplete, 'autocomplete:create': AutocompleteCreate, 'autocomplete:script': AutocompleteScript,",
  '}',
].join('\n')
const esbuild = await import('esbuild')
await esbuild.build({
  stdin: {contents: entry, resolveDir: root, sourcefile: 'ovn-bgp-entry.mjs', loader: 'js'},
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: join(stage, 'dist', 'ovn-bgp.mjs'),
  logLevel: 'error',
  legalComments: 'none',
  // oclif loads typescript only to run .ts sources (never in a package); it is 9 MB.
  external: ['typescript'],
  banner: {
    js: "import {createRequire as __ovnBgpRequire} from 'node:module'; const require = __ovnBgpRequire(import.meta.url);",
  },
})
copyFileSync(join(root, 'dist', 'build-info.json'), join(stage, 'dist', 'build-info.json'))

mkdirSync(join(stage, 'bin'))
writeFileSync(
  join(stage, 'bin', 'ovn-bgp.js'),
  `#!/usr/bin/env node
// Starts the single-file bundle; see scripts/release.mjs in the ovn-bgp repository.
import {execute, quietOnClosedPipe} from '../dist/ovn-bgp.mjs'

quietOnClosedPipe()
await execute({dir: import.meta.url})
`,
  {mode: 0o755},
)

// --- package.json: no dependencies, oclif pointed into the bundle -----------------------------------
const target = './dist/ovn-bgp.mjs'
const release = {
  name: pkg.name,
  version: pkg.version,
  description: pkg.description,
  license: pkg.license,
  type: 'module',
  bin: {'ovn-bgp': './bin/ovn-bgp.js'},
  engines: pkg.engines,
  files: ['bin', 'dist', 'man', 'packaging', 'schemas', 'completions', 'oclif.manifest.json'],
  oclif: {
    bin: pkg.oclif.bin,
    dirname: pkg.oclif.dirname,
    topicSeparator: pkg.oclif.topicSeparator,
    commands: {strategy: 'explicit', target, identifier: 'COMMANDS'},
    helpClass: {target, identifier: 'Help'},
    additionalHelpFlags: pkg.oclif.additionalHelpFlags,
    additionalVersionFlags: pkg.oclif.additionalVersionFlags,
    hooks: {
      init: {target, identifier: 'initBuildInfo'},
      command_not_found: {target, identifier: 'commandNotFound'},
    },
  },
}
writeFileSync(join(stage, 'package.json'), JSON.stringify(release, null, 2) + '\n')

// --- documentation, unit, schemas, licence --------------------------------------------------------
for (const d of ['man', 'packaging', 'schemas']) cpSync(join(root, d), join(stage, d), {recursive: true})
for (const f of readdirSync(join(stage, 'man')))
  if (NOT_SHIPPED.has(f.replace(/^ovn-bgp-/, '').replace(/\.8$/, ''))) rmSync(join(stage, 'man', f))
copyFileSync(join(root, 'LICENSE'), join(stage, 'LICENSE'))
copyFileSync(join(root, 'README.md'), join(stage, 'README.md'))

// --- manifest and completions, produced by the staged CLI itself ----------------------------------
execFileSync(process.execPath, [join(root, 'scripts', 'gen-manifest.mjs'), stage], {
  stdio: ['ignore', 'ignore', 'inherit'],
})
const cache = mkdtempSync(join(tmpdir(), 'ovn-bgp-completions-'))
try {
  const env = {...process.env, XDG_CACHE_HOME: cache, OVN_BGP_CACHE_DIR: join(cache, 'ovn-bgp')}
  execFileSync(process.execPath, [join(stage, 'bin', 'ovn-bgp.js'), 'autocomplete', 'create'], {
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  const made = join(cache, 'ovn-bgp', 'autocomplete')
  mkdirSync(join(stage, 'completions'))
  copyFileSync(join(made, 'functions', 'bash', 'ovn-bgp.bash'), join(stage, 'completions', 'ovn-bgp.bash'))
  copyFileSync(join(made, 'functions', 'zsh', '_ovn-bgp'), join(stage, 'completions', '_ovn-bgp'))
} finally {
  rmSync(cache, {recursive: true, force: true})
}

// --- pack -----------------------------------------------------------------------------------------
mkdirSync(outDir, {recursive: true})
const packed = JSON.parse(
  execFileSync('npm', ['pack', '--json', '--pack-destination', outDir], {
    cwd: stage,
    stdio: ['ignore', 'pipe', 'inherit'],
  }).toString(),
)
console.log(join(outDir, packed[0].filename))
