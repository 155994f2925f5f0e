#!/usr/bin/env node
// Writes oclif.manifest.json (every command's id, flags, args and help, read from dist/commands):
// with it, `ovn-bgp --help` and command lookup need not import every command module, which halves
// the start-up time (bench/startup.ts). Generated at pack time only (prepack; postpack removes it):
// a manifest left in a working tree goes stale as soon as a flag changes.
//   node scripts/gen-manifest.mjs [package root]   (default: this repository)
import {Plugin} from '@oclif/core'
import {writeFileSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'))
const plugin = new Plugin({root, type: 'core', ignoreManifest: true, errorOnManifestCreate: true, isRoot: true})
await plugin.load()
const {manifest} = plugin
const ids = Object.keys(manifest.commands)
if (ids.length === 0) throw new Error(`no commands found under ${root}/dist/commands: build first`)
writeFileSync(join(root, 'oclif.manifest.json'), JSON.stringify(manifest, null, 2) + '\n')
console.log(`oclif.manifest.json: ${ids.length} commands (${manifest.version})`)
