// Running a command in-process with what it prints captured. (@oclif/test's captureOutput would do
// this; it is not a dependency, so this is the one copy the command tests share.)

type CommandError = Error & {oclif?: {exit?: number}}

export interface Captured<T> {
  /** What `fn` returned, when it did not throw. */
  result?: T
  /** What `fn` threw. */
  error?: CommandError
  /** Everything written to process.stdout meanwhile. */
  stdout: string
  /** process.exitCode right after `fn` finished (oclif commands set it instead of exiting). */
  exitCode: number | string | undefined
}

/**
 * Runs `fn` with process.stdout.write captured. With `exitCode` given, process.exitCode is set to
 * it first (undefined = as in a fresh process). stdout and process.exitCode are restored after.
 */
export async function captureStdout<T>(
  fn: () => Promise<T>,
  opts: {exitCode?: number | undefined} = {},
): Promise<Captured<T>> {
  const write = process.stdout.write.bind(process.stdout)
  const saved = process.exitCode
  if ('exitCode' in opts) process.exitCode = opts.exitCode
  let stdout = ''
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += String(chunk)
    return true
  }) as typeof process.stdout.write
  try {
    const result = await fn()
    return {result, stdout, exitCode: process.exitCode}
  } catch (error) {
    return {error: error as CommandError, stdout, exitCode: process.exitCode}
  } finally {
    process.stdout.write = write
    process.exitCode = saved
  }
}
