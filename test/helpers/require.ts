// Test gating for real components. Locally a missing tool skips the test; under CI=true a missing
// component is a failure, never a skip (a test that skips in CI is a failing test).
import {accessSync, constants} from 'node:fs'
import {delimiter, join} from 'node:path'

export const inCI = process.env.CI === 'true' || process.env.CI === '1'

function which(tool: string): string | undefined {
  if (tool.includes('/')) {
    try {
      accessSync(tool, constants.X_OK)
      return tool
    } catch {
      return undefined
    }
  }

  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin', '/usr/lib/frr']
  for (const d of dirs) {
    try {
      accessSync(join(d, tool), constants.X_OK)
      return join(d, tool)
    } catch {}
  }

  return undefined
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0
}

/**
 * Call at the top of a `before`/`it` with mocha's context. Throws under CI when a tool is missing
 * (or root is needed and absent); skips the test or suite otherwise.
 */
export function requireTools(ctx: Mocha.Context, tools: string[], opts: {root?: boolean} = {}): void {
  const missing = tools.filter((t) => !which(t))
  if (opts.root && !isRoot()) missing.push('root privileges')
  if (missing.length === 0) return
  const msg = `missing: ${missing.join(', ')} (run scripts/install-deps.sh)`
  if (inCI) throw new Error(`required component unavailable under CI: ${msg}`)
  ctx.skip()
}
