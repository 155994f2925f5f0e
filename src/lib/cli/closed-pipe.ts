// `ovn-bgp sync --dry-run | head -1`: when the reader of stdout goes away, the next write fails with
// EPIPE. That is the reader's choice, not an internal error: end quietly with exit 0, as the
// classic Unix tools do (they die of SIGPIPE, which node ignores).

interface ErrorEmitter {
  on(event: 'error', listener: (err: NodeJS.ErrnoException) => void): unknown
}

/** Installs the handler on stdout (and stderr, whose reader can vanish the same way). */
export function quietOnClosedPipe(
  streams: ErrorEmitter[] = [process.stdout, process.stderr],
  exit: (code: number) => void = (c) => process.exit(c),
): void {
  for (const s of streams) {
    s.on('error', (err) => {
      if (err.code === 'EPIPE') exit(0)
      else throw err
    })
  }
}

/** True for the error a synchronous write to a closed pipe throws. */
export function isClosedPipe(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'EPIPE'
}
