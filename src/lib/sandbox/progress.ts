// Start-up progress of the sandbox on stderr: a one-line spinner with the step number, the step and
// the elapsed time, redrawn in place. Only on a TTY; otherwise silent (logs and CI stay clean).

interface Step {
  key: string
  label: string
}

/** The lab's steps as lab.sh reports them in `progress`, plus the host's own. */
const STEPS: Step[] = [
  {key: 'bundle', label: 'bundling ovn-bgp for the lab'},
  {key: 'boot', label: 'booting the lab'},
  {key: 'modules', label: 'loading kernel modules'},
  {key: 'nb', label: 'OVN Northbound DB + demo topology'},
  {key: 'ovs', label: 'Open vSwitch (br-ex)'},
  {key: 'peer', label: 'BGP peer (gobgpd)'},
  {key: 'frr', label: 'FRR (zebra, bgpd)'},
  {key: 'agent', label: 'ovn-bgp watch'},
  {key: 'ready-wait', label: 'node agent'},
  {key: 'ready', label: 'waiting for routes at the peer'},
]

export interface Progress {
  step(key: string): void
  /** A message line (the progress line, if any, is redrawn below it). */
  note(line: string): void
  done(): void
}

const FRAMES = ['|', '/', '-', '\\']

export class SpinnerProgress implements Progress {
  private current = 0
  private frame = 0
  private timer: NodeJS.Timeout | undefined
  private readonly t0 = Date.now()

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {
    if (this.stream.isTTY) {
      this.timer = setInterval(() => this.draw(), 120)
      this.timer.unref()
    }
  }

  step(key: string): void {
    const i = STEPS.findIndex((s) => s.key === key)
    if (i !== -1 && i >= this.current) this.current = i
    this.draw()
  }

  /** Prints a line above the progress line. */
  note(line: string): void {
    if (this.stream.isTTY) this.stream.write('\r\u001B[K')
    this.stream.write(`${line}\n`)
    this.draw()
  }

  done(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
    if (this.stream.isTTY) this.stream.write('\r\u001B[K')
  }

  private draw(): void {
    if (!this.stream.isTTY || !this.timer) return
    const s = STEPS[this.current]!
    const secs = ((Date.now() - this.t0) / 1000).toFixed(1)
    const width = STEPS.length
    const bar = '#'.repeat(this.current) + '.'.repeat(width - this.current)
    this.frame = (this.frame + 1) % FRAMES.length
    this.stream.write(`\r\u001B[K${FRAMES[this.frame]} [${bar}] ${this.current + 1}/${width} ${s.label} (${secs} s)`)
  }
}

export const silentProgress: Progress = {
  step() {},
  note(line) {
    process.stderr.write(`${line}\n`)
  },
  done() {},
}
