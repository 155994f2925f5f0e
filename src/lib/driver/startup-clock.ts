// When each stage of the daemon's start-up ended, in ms since the process started (performance.now()
// counts from there): module loading is what precedes `created`. Logged once as 'start-up' after the
// first pass, so an operator (and bench/steady-cpu.ts) sees where a slow start went. Stages that run
// side by side (the node's base wiring and FRR check, the NB snapshot) end at their own times.

export class StartupClock {
  private readonly at = new Map<string, number>()

  constructor(private readonly now: () => number = () => performance.now()) {
    this.at.set('created', now())
  }

  /** Records that `stage` ended now (a stage marked twice keeps its first end). */
  mark(stage: string): void {
    if (!this.at.has(stage)) this.at.set(stage, this.now())
  }

  /** `{<stage>AtMs: ms since process start}` in the order the stages ended, rounded to 1 ms. */
  report(): Record<string, number> {
    const out: Record<string, number> = {}
    for (const [stage, ms] of [...this.at].sort((a, b) => a[1] - b[1])) out[`${camel(stage)}AtMs`] = Math.round(ms)
    return out
  }
}

const camel = (s: string): string => s.replaceAll(/-(\w)/g, (_, c: string) => c.toUpperCase())
