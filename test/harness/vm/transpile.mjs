#!/usr/bin/env node
// Transpiles the project's TypeScript (src/**, test/**) to ESM JavaScript under OUTDIR, keeping the
// directory layout, for the kernel tier: node in the TCG guest spends 10+ s in the tsx loader, while
// plain .js loads in about a second. Types are NOT checked here (the typecheck step does that).
// Relative imports already end in `.js`, so the emitted files import each other unchanged;
// OUTDIR/node_modules is a symlink to the project's. Usage: transpile.mjs ROOT OUTDIR
import {mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs'
import {dirname, join, relative} from 'node:path'
import ts from 'typescript'

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

const options = {
  module: ts.ModuleKind.ESNext,
  target: ts.ScriptTarget.ES2022,
  verbatimModuleSyntax: true,
  inlineSourceMap: true,
  inlineSources: true,
}
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
    const res = ts.transpileModule(readFileSync(file, 'utf8'), {compilerOptions: options, fileName: file})
    const dest = join(out, rel.replace(/\.ts$/, '.js'))
    mkdirSync(dirname(dest), {recursive: true})
    writeFileSync(dest, res.outputText)
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
