// Readiness as served on /readyz. The daemon starts not ready ("waiting for the first full
// reconcile") and marks itself ready once; it may mark itself not ready again with a reason
// (e.g. on shutdown). Liveness (/healthz) is not tracked here: answering at all is the signal.

export interface ReadinessState {
  ready: boolean
  /** Why not ready (short, one line); '' when ready. */
  reason: string
}

const INITIAL_NOT_READY_REASON = 'waiting for the first full reconcile'

export class Readiness {
  private current: ReadinessState
  /** Extra `key: value` lines for /readyz (e.g. `drained: since ...`); they never change readiness. */
  private readonly details = new Map<string, string>()

  constructor(reason = INITIAL_NOT_READY_REASON) {
    this.current = {ready: false, reason}
  }

  markReady(): void {
    this.current = {ready: true, reason: ''}
  }

  markNotReady(reason: string): void {
    this.current = {ready: false, reason: reason.replaceAll(/\s+/g, ' ').trim() || 'not ready'}
  }

  get ready(): boolean {
    return this.current.ready
  }

  state(): ReadinessState {
    return {...this.current}
  }

  /** Sets (or, with undefined, removes) one detail line of /readyz. */
  setDetail(key: string, value: string | undefined): void {
    if (value === undefined) this.details.delete(key)
    else this.details.set(key, value.replaceAll(/\s+/g, ' ').trim())
  }

  /** `key: value` lines, sorted by key. */
  detailLines(): string[] {
    return [...this.details.keys()].sort().map((k) => `${k}: ${this.details.get(k)!}`)
  }
}
