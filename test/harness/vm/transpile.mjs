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

writeFileSync(join(out, 'package.json'), JSON.stringify({type: 'module', private: true}) + '\n')
try {
  symlinkSync(join(root, 'node_modules'), join(out, 'node_modules'))
} catch (error) {
  if (error.code !== 'EEXIST') throw error
}

console.error(`transpiled ${n} files to ${out}`)
