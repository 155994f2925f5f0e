// The `watch` daemon of the kernel tier's fault files as a separate node process (watch-child.ts:
// the Agent `ovn-bgp watch` runs, configured by a JSON file), so a test can SIGKILL it, or kill what
// it depends on, while the test process keeps observing. Started from the one-file bundle the tier
// builds (transpile.mjs), as the release ships the CLI: over the guest's 9p share under TCG,
// loading the ~270 separate module files took 20-70 s, the bundle about 4 s.
import {type ChildProcess, spawn} from 'node:child_process'
import {existsSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

const BUNDLE = fileURLToPath(new URL('watch-child.bundle.js', import.meta.url))
const CHILD = existsSync(BUNDLE) ? BUNDLE : fileURLToPath(new URL('watch-child.js', import.meta.url))

export interface WatchProcess {
  proc: ChildProcess
  /** Every stdout line (JSON log lines) and stderr chunk, in order. */
  out: string[]
  /** Ms from spawn to the end of the first pass; rejects when the child exits first or after 240 s. */
  firstPass: Promise<number>
}

/** Starts watch-child with the configuration file `cfgFile`; `onLine` sees each stdout line as it comes. */
export function startWatchProcess(cfgFile: string, onLine?: (line: string) => void): WatchProcess {
  const t0 = Date.now()
  // Without the tier's NODE_OPTIONS=--enable-source-maps (a debugging aid for mocha's stack traces,
  // not how the daemon runs): it tripled the child's module loading.
  const env = {
    ...process.env,
    NODE_OPTIONS: (process.env.NODE_OPTIONS ?? '').replace('--enable-source-maps', '').trim(),
  }
  const proc = spawn(process.execPath, [CHILD, cfgFile], {stdio: ['ignore', 'pipe', 'pipe'], env})
  const out: string[] = []
  const firstPass = new Promise<number>((resolve, reject) => {
    let buf = ''
    proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
      buf += d
      let i
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i)
        buf = buf.slice(i + 1)
        out.push(line)
        onLine?.(line)
        if (line.includes('"msg":"first pass done"')) resolve(Date.now() - t0)
      }
    })
    proc.stderr!.setEncoding('utf8').on('data', (d: string) => out.push(d))
    proc.on('exit', (code, sig) => reject(new Error(`watch child exited (${code ?? sig}) before its first pass`)))
    setTimeout(
      () => reject(new Error(`no first pass within 240 s; last output:\n${out.slice(-20).join('\n')}`)),
      240_000,
    ).unref()
  })
  firstPass.catch(() => undefined)
  return {proc, out, firstPass}
}

/** Sends `sig` to the child (when still running) and waits for it to exit. */
export async function stopWatchProcess(c: WatchProcess, sig: NodeJS.Signals): Promise<void> {
  if (c.proc.exitCode !== null || c.proc.signalCode !== null) return
  const done = new Promise((r) => {
    c.proc.once('exit', r)
  })
  c.proc.kill(sig)
  await done
}
