#!/usr/bin/env node
// Transpiles the project's TypeScript (src/**, test/**) to ESM JavaScript under OUTDIR, keeping the
// directory layout, for the kernel tier: node in the TCG guest spends 10+ s in the tsx loader, while
// plain .js loads in about a second. Types are NOT checked here (the typecheck step does that).
// Uses esbuild (installed with tsx) when it resolves, else TypeScript's transpileModule (slower).
// Relative imports already end in `.js`, so the emitted files import each other unchanged;
// OUTDIR/node_modules is a symlink to the project's. Usage: transpile.mjs ROOT OUTDIR
import {mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs'
import {dirname, join, relative} from 'node:path'

async function transpiler() {
  try {
    const esbuild = await import('esbuild')
    const tsconfigRaw = {compilerOptions: {verbatimModuleSyntax: true}}
    return (code, file) =>
      esbuild.transformSync(code, {
        loader: 'ts',
        format: 'esm',
        target: 'node20',
        sourcemap: 'inline',
        sourcefile: file,
        tsconfigRaw,
      }).code
  } catch {
    const ts = (await import('typescript')).default
    const compilerOptions = {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      verbatimModuleSyntax: true,
      inlineSourceMap: true,
      inlineSources: true,
    }
    return (code, file) => ts.transpileModule(code, {compilerOptions, fileName: file}).outputText
  }
}

const [root, out] = process.argv.slice(2)
if (!root || !out) {
  console.error('usage: transpile.mjs ROOT OUTDIR')
  process.exit(2)
}

function* walk(dir) {
  for (const e of readdirSync(dir, {withFileTypes: true})) {
    const p = join(dir, e.name)
    if (e.isDirectory()) {
      if (e.name !== 'node_modules' && !e.name.startsWith('.')) yield* walk(p)
    } else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) yield p
  }
}

const transpile = await transpiler()
let n = 0
for (const top of ['src', 'test', 'bench']) {
  let files
  try {
    files = [...walk(join(root, top))]
  } catch {
    continue
  }

  for (const file of files) {
    const rel = relative(root, file)
    const dest = join(out, rel.replace(/\.ts$/, '.js'))
    mkdirSync(dirname(dest), {recursive: true})
    writeFileSync(dest, transpile(readFileSync(file, 'utf8'), file))
    n++
  }
}

// Daemon children of the fault files, also as one-file bundles (NAME.bundle.js beside NAME.js), as
// the release ships the CLI: over the guest's 9p share under TCG, loading the daemon's ~270 module
// files took 20-70 s, one bundle a few seconds. Skipped without esbuild (the tests then load NAME.js).
const BUNDLES = ['test/kernel/helpers/watch-child.ts', 'test/kernel/helpers/daemon-child.ts']
try {
  const esbuild = await import('esbuild')
  for (const rel of BUNDLES)
    await esbuild.build({
      entryPoints: [join(root, rel)],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile: join(out, rel.replace(/\.ts$/, '.bundle.js')),
      logLevel: 'error',
      legalComments: 'none',
      banner: {
        js: "import {createRequire as __ktierRequire} from 'node:module'; const require = __ktierRequire(import.meta.url);",
      },
    })
  await bundleCli(esbuild)
} catch (error) {
  if (error.code !== 'ERR_MODULE_NOT_FOUND') throw error
}

/**
 * The `ovn-bgp` CLI for the guest tests that run it as a user would (OUT/cli/bin.mjs ARGS), built
 * from src/ as scripts/release.mjs builds the release from dist/: the top-level commands, oclif and
 * every dependency in one file, oclif pointed at it by an explicit command table. No dist/ needed.
 */
async function bundleCli(esbuild) {
  const cli = join(out, 'cli')
  mkdirSync(cli, {recursive: true})
  const ids = readdirSync(join(root, 'src', 'commands'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.slice(0, -3))
    .sort()
  const ident = (id) => 'C_' + id.replaceAll(/\W/g, '_')
  const entry = [
    "export {execute} from '@oclif/core'",
    ...ids.map((id) => `import ${ident(id)} from ${JSON.stringify(`./src/commands/${id}.ts`)}`),
    `export const COMMANDS = {${ids.map((id) => `${JSON.stringify(id)}: ${ident(id)}`).join(', ')}}`,
  ].join('\n')
  await esbuild.build({
    stdin: {contents: entry, resolveDir: root, sourcefile: 'ktier-cli-entry.mjs', loader: 'js'},
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: join(cli, 'ovn-bgp.mjs'),
    logLevel: 'error',
    legalComments: 'none',
    external: ['typescript'],
    banner: {
      js: "import {createRequire as __ktierRequire} from 'node:module'; const require = __ktierRequire(import.meta.url);",
    },
  })
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
  const target = './ovn-bgp.mjs'
  writeFileSync(
    join(cli, 'package.json'),
    JSON.stringify({
      name: pkg.name,
      version: pkg.version,
      type: 'module',
      oclif: {
        bin: pkg.oclif.bin,
        dirname: pkg.oclif.dirname,
        topicSeparator: pkg.oclif.topicSeparator,
        commands: {strategy: 'explicit', target, identifier: 'COMMANDS'},
      },
    }) + '\n',
  )
  writeFileSync(
    join(cli, 'bin.mjs'),
    "import {execute} from './ovn-bgp.mjs'\n\nawait execute({dir: import.meta.url})\n",
  )
}

writeFileSync(join(out, 'package.json'), JSON.stringify({type: 'module', private: true}) + '\n')
try {
  symlinkSync(join(root, 'node_modules'), join(out, 'node_modules'))
} catch (error) {
  if (error.code !== 'EEXIST') throw error
}

console.error(`transpiled ${n} files to ${out}`)
