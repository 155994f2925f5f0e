// Whether stderr is systemd's journal stream. Kept out of log.ts, which the pure planner imports.
import {fstatSync} from 'node:fs'

/**
 * True when stderr is the journal stream systemd set up for this process: JOURNAL_STREAM holds the
 * `device:inode` of that stream, and it must match fd 2 (a child whose stderr was redirected
 * elsewhere inherits the variable, but not the stream).
 */
export function journalStream(env: NodeJS.ProcessEnv = process.env, fd = 2): boolean {
  const v = env.JOURNAL_STREAM
  if (!v) return false
  const m = /^(\d+):(\d+)$/.exec(v)
  if (!m) return false
  try {
    const st = fstatSync(fd, {bigint: true})
    return st.dev === BigInt(m[1]!) && st.ino === BigInt(m[2]!)
  } catch {
    return false
  }
}
