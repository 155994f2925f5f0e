// Files the host writes into the share before the lab starts: the NB schema with the columns the
// agent needs, and the bundled ovn-bgp CLI the lab runs.
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

/**
 * The NB schema of this machine's OVN plus Logical_Router_Port.status (OVN >= 23.09), written into
 * the share for lab.sh (python3 would do it in the guest, but starting python there costs seconds).
 */
export function writePatchedNbSchema(share: string, source = '/usr/share/ovn/ovn-nb.ovsschema'): boolean {
  let schema: {version?: string; cksum?: string; tables?: Record<string, {columns?: Record<string, unknown>}>}
  try {
    schema = JSON.parse(readFileSync(source, 'utf8')) as typeof schema
  } catch {
    return false // lab.sh reports the missing OVN package itself
  }

  const lrp = schema.tables?.Logical_Router_Port?.columns
  if (!lrp) return false
  lrp.status ??= {type: {key: 'string', value: 'string', min: 0, max: 'unlimited'}}
  schema.version = '7.1.0'
  delete schema.cksum
  writeFileSync(join(share, 'ovn-nb.ovsschema'), JSON.stringify(schema, null, 1) + '\n', {mode: 0o644})
  return true
}

/**
 * Node in the TCG guest pays a 9p round trip for every file it looks at: importing dist/ and
 * node_modules file by file takes 40-50 s there, so `ovn-bgp watch` would start a minute late. The
 * lab therefore runs ONE bundled file, written here into the share: share/bin/ovn-bgp.mjs with the
 * commands the lab uses (watch, show-exposed) and a package.json next to it (oclif's root, without
 * commands to scan). Built with esbuild (installed by npm ci); without it the lab falls back to
 * bin/run.js. Returns false when no bundle was made.
 */
export async function bundleLabCli(share: string, project: string): Promise<boolean> {
  let esbuild: typeof import('esbuild')
  try {
    esbuild = await import('esbuild')
  } catch {
    return false
  }

  const out = join(share, 'bin')
  mkdirSync(out, {recursive: true, mode: 0o755})
  writeFileSync(
    join(out, 'package.json'),
    JSON.stringify({name: 'ovn-bgp', version: '0.0.0-sandbox', type: 'module', oclif: {bin: 'ovn-bgp'}}) + '\n',
  )
  const entry = `import {handle} from '@oclif/core'
import {dirname} from 'node:path'
import {fileURLToPath} from 'node:url'
import Watch from './dist/commands/watch.js'
import ShowExposed from './dist/commands/show-exposed.js'
const commands = {watch: Watch, 'show-exposed': ShowExposed}
const [id, ...argv] = process.argv.slice(2)
const cmd = commands[id]
if (!cmd) { process.stderr.write('usage: ovn-bgp.mjs watch|show-exposed ...\\n'); process.exit(2) }
await cmd.run(argv, dirname(fileURLToPath(import.meta.url))).catch(handle)
`
  await esbuild.build({
    stdin: {contents: entry, resolveDir: project, sourcefile: 'sandbox-lab-cli.mjs', loader: 'js'},
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: join(out, 'ovn-bgp.mjs'),
    logLevel: 'error',
    // oclif loads typescript only to run .ts sources (never here); it is 9 MB.
    external: ['typescript'],
    banner: {
      js: "import {createRequire as __sandboxRequire} from 'node:module'; const require = __sandboxRequire(import.meta.url);",
    },
  })
  return true
}
