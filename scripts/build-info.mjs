#!/usr/bin/env node
// Writes dist/build-info.json (git commit, build time) for `ovn-bgp --version`.
import {execFileSync} from 'node:child_process'
import {mkdirSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
let commit = 'unknown'
try {
  commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], {cwd: root, stdio: ['ignore', 'pipe', 'ignore']})
    .toString()
    .trim()
  const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'ignore'],
  })
    .toString()
    .trim()
  if (dirty) commit += '-dirty'
} catch {}

mkdirSync(join(root, 'dist'), {recursive: true})
writeFileSync(
  join(root, 'dist', 'build-info.json'),
  JSON.stringify({commit, date: new Date().toISOString().slice(0, 19) + 'Z'}) + '\n',
)
