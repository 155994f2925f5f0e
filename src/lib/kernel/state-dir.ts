// Files in state_dir (the ledger): written atomically, and the directory checked once before a
// command or the daemon changes anything, so that "not writable" is an up-front error naming the
// option instead of a failure in the middle of a sync with part of the plan applied.
import {mkdir, open, rename, unlink} from 'node:fs/promises'
import {basename, dirname, join} from 'node:path'

import {DependencyError} from '../errors.js'

let tmpSeq = 0

/**
 * Writes `data` to `path` so that a reader (or a crash at any moment) sees either the old or the
 * new content, never a torn file: a temporary file in the same directory, flushed, then renamed
 * over the target. The directory is created when missing.
 */
export async function writeFileAtomic(path: string, data: string, mode = 0o644): Promise<void> {
  await mkdir(dirname(path), {recursive: true})
  // pid AND a per-process sequence: two writers of one file in one process (the daemon's ledger
  // and an in-process explain's) must not share a temporary file, or one renames the other's away
  const tmp = join(dirname(path), `.${basename(path)}.tmp.${process.pid}.${++tmpSeq}`)
  const fh = await open(tmp, 'w', mode)
  try {
    await fh.writeFile(data)
    await fh.sync()
  } finally {
    await fh.close()
  }

  try {
    await rename(tmp, path)
  } catch (error) {
    await unlink(tmp).catch(() => undefined)
    throw error
  }
}

/**
 * Creates state_dir when missing and proves it writable (a probe file, removed again).
 * Throws DependencyError (exit 4) naming the option and the fix.
 */
export async function checkStateDir(dir: string): Promise<void> {
  const probe = join(dir, `.write-probe.${process.pid}`)
  try {
    await mkdir(dir, {recursive: true})
    const fh = await open(probe, 'w', 0o600)
    await fh.close()
    await unlink(probe)
  } catch (error) {
    const e = error as NodeJS.ErrnoException
    throw new DependencyError(
      `state_dir ${dir} is not writable (${e.code ?? e.message}): ovn-bgp keeps its ledger of owned neighbours and NDP proxies there`,
      {
        code: 'STATE_DIR_UNWRITABLE',
        cause: error,
        suggestions: [
          `create it, writable by the user ovn-bgp runs as (root): install -d -m 0755 ${dir}`,
          'or set state_dir (--state-dir) to a writable directory',
        ],
      },
    )
  }
}
