// A one-line progress display on stderr for long operations (sync, sandbox start): the current
// step, a bar when the total is known, and the elapsed time. Only on a terminal and never with
// --json, so pipes and logs never see control characters.
export interface ProgressOptions {
  enabled: boolean
  write?: (s: string) => void
  now?: () => number
  width?: number
}

export class Progress {
  private readonly write: (s: string) => void
  private readonly now: () => number
  private readonly t0: number
  private label = ''
  private active = false

  constructor(private readonly opts: ProgressOptions) {
    this.write = opts.write ?? ((s) => process.stderr.write(s))
    this.now = opts.now ?? (() => Date.now())
    this.t0 = this.now()
  }

  /** Whether stderr is a terminal and the command is not in --json mode. */
  static enabledFor(json: boolean): boolean {
    return !json && Boolean(process.stderr.isTTY)
  }

  step(label: string): void {
    this.label = label
    this.render()
  }

  /** `done` of `total` for the current step (e.g. operations applied). */
  update(done: number, total: number): void {
    const width = this.opts.width ?? 24
    const filled = total > 0 ? Math.round((Math.min(done, total) / total) * width) : 0
    this.render(` [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`)
  }

  /** Clears the line; the caller prints its result afterwards. */
  done(): void {
    if (!this.opts.enabled || !this.active) return
    this.write('\r\u001B[2K')
    this.active = false
  }

  private render(extra = ''): void {
    if (!this.opts.enabled) return
    const secs = ((this.now() - this.t0) / 1000).toFixed(1)
    this.write(`\r\u001B[2K${this.label}${extra} (${secs} s)`)
    this.active = true
  }
}
