// The metric registry of the daemon: typed handles over prom-client, which does the exposition
// (Prometheus text format 0.0.4) and the standard process and Node.js collectors.
// Contract: families are rendered in registration order. A metric without labels always renders
// its one series (0 before the first update); a labelled metric renders only the label sets it has
// seen or that were pre-declared with `declare()`. Label sets must name exactly the declared labels
// (prom-client accepts subsets, which would split one series into two), and label values are
// rendered in the declared order whatever the order of the object given.
// prom-client is loaded only by modules on the `watch` path (commands/watch.ts imports them
// lazily), so the start-up of every other command does not pay for it.
import {
  collectDefaultMetrics,
  Counter as PromCounter,
  Gauge as PromGauge,
  Histogram as PromHistogram,
  Registry as PromRegistry,
} from 'prom-client'

export type LabelValues<L extends string> = {readonly [K in L]: string}

export interface MetricOptions<L extends string> {
  name: string
  help: string
  labelNames?: readonly L[]
}

export interface HistogramOptions<L extends string> extends MetricOptions<L> {
  /** Upper bounds, ascending and finite; `+Inf` is implicit. */
  buckets: readonly number[]
}

/** Content-Type of the exposition served on /metrics (text format 0.0.4). */
export const EXPOSITION_CONTENT_TYPE = PromRegistry.PROMETHEUS_CONTENT_TYPE

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/

type PromMetric = PromCounter<string> | PromGauge<string> | PromHistogram<string>

/** What prom-client's metric constructors take besides type-specific settings. */
interface PromOptions {
  name: string
  help: string
  labelNames: string[]
  registers: PromRegistry[]
}

abstract class Family<L extends string, M extends PromMetric> {
  readonly name: string
  readonly help: string
  readonly labelNames: readonly L[]
  protected abstract readonly metric: M

  protected constructor(opts: MetricOptions<L>, reserved: readonly string[]) {
    if (!METRIC_NAME.test(opts.name)) throw new TypeError(`invalid metric name ${JSON.stringify(opts.name)}`)
    this.name = opts.name
    this.help = opts.help
    this.labelNames = [...(opts.labelNames ?? [])]
    for (const n of this.labelNames) {
      // `__` is reserved by Prometheus, `le` by histograms
      if (!LABEL_NAME.test(n) || n.startsWith('__') || reserved.includes(n))
        throw new TypeError(`invalid label name ${JSON.stringify(n)}`)
    }

    if (new Set(this.labelNames).size !== this.labelNames.length)
      throw new TypeError(`${opts.name}: duplicate label name`)
  }

  /** Make a label set visible (at 0) before its first update. */
  abstract declare(labels: LabelValues<L>): this

  /** prom-client's options for this family, registered in `registry` (none: unregistered). */
  protected promOptions(registry: PromRegistry | undefined): PromOptions {
    return {name: this.name, help: this.help, labelNames: [...this.labelNames], registers: registry ? [registry] : []}
  }

  /** Forget one label set (e.g. a gauge for something that no longer exists). */
  remove(labels: LabelValues<L>): void {
    this.metric.remove(this.labels(labels))
  }

  /** `labels` checked against the declared names and re-keyed in their order. */
  protected labels(labels: LabelValues<L>): Record<string, string> {
    const given = labels as Record<string, unknown>
    const names = Object.keys(given)
    if (
      names.length !== this.labelNames.length ||
      names.some((n) => !(this.labelNames as readonly string[]).includes(n))
    ) {
      throw new TypeError(
        `${this.name}: labels must be exactly {${this.labelNames.join(',')}}, got {${names.join(',')}}`,
      )
    }

    return Object.fromEntries(this.labelNames.map((n) => [n, String(given[n])]))
  }

  /** The value of one series from prom-client's snapshot (0 when it has none). */
  protected async valueOf(labels: LabelValues<L>, metricName = this.name): Promise<number> {
    const want = this.labels(labels)
    const snap = await this.metric.get()
    const v = snap.values.find(
      (x) =>
        ((x as {metricName?: string}).metricName ?? this.name) === metricName &&
        this.labelNames.every((n) => String((x.labels as Record<string, unknown>)[n]) === want[n]),
    )
    return v?.value ?? 0
  }
}

/** Counters and gauges: one number per label set, declared at 0. */
abstract class Scalar<L extends string, M extends PromCounter<string> | PromGauge<string>> extends Family<L, M> {
  protected readonly metric: M

  protected constructor(opts: MetricOptions<L>, registry: PromRegistry | undefined, make: (o: PromOptions) => M) {
    super(opts, [])
    this.metric = make(this.promOptions(registry))
  }

  declare(labels: LabelValues<L>): this {
    this.metric.inc(this.labels(labels), 0)
    return this
  }

  /** The current value of one series (tests, logs). */
  get(labels: LabelValues<L> = {} as LabelValues<L>): Promise<number> {
    return this.valueOf(labels)
  }
}

export class Counter<L extends string = never> extends Scalar<L, PromCounter<string>> {
  constructor(opts: MetricOptions<L>, registry?: PromRegistry) {
    super(opts, registry, (o) => new PromCounter(o))
  }

  /** Counters only go up: a negative or non-finite increment throws. */
  inc(labels: LabelValues<L> = {} as LabelValues<L>, by = 1): void {
    if (!(by >= 0) || !Number.isFinite(by))
      throw new RangeError(`${this.name}: counter increment must be finite and >= 0, got ${by}`)
    this.metric.inc(this.labels(labels), by)
  }
}

export class Gauge<L extends string = never> extends Scalar<L, PromGauge<string>> {
  constructor(opts: MetricOptions<L>, registry?: PromRegistry) {
    super(opts, registry, (o) => new PromGauge(o))
  }

  set(labels: LabelValues<L>, value: number): void {
    this.metric.set(this.labels(labels), value)
  }

  inc(labels: LabelValues<L> = {} as LabelValues<L>, by = 1): void {
    this.metric.inc(this.labels(labels), by)
  }

  dec(labels: LabelValues<L> = {} as LabelValues<L>, by = 1): void {
    this.metric.dec(this.labels(labels), by)
  }
}

export class Histogram<L extends string = never> extends Family<L, PromHistogram<string>> {
  readonly buckets: readonly number[]
  protected readonly metric: PromHistogram<string>

  constructor(opts: HistogramOptions<L>, registry?: PromRegistry) {
    const b = [...opts.buckets]
    if (b.length === 0 || b.some((x, i) => !Number.isFinite(x) || (i > 0 && x <= (b[i - 1] as number)))) {
      throw new TypeError(`${opts.name}: buckets must be finite and strictly ascending`)
    }

    super(opts, ['le'])
    this.buckets = b
    this.metric = new PromHistogram({...this.promOptions(registry), buckets: b})
  }

  declare(labels: LabelValues<L>): this {
    this.metric.zero(this.labels(labels))
    return this
  }

  /** NaN is ignored (a duration that could not be measured is no observation). */
  observe(labels: LabelValues<L>, value: number): void {
    if (Number.isNaN(value)) return
    this.metric.observe(this.labels(labels), value)
  }

  /** Observations and their sum for one label set (tests, logs). */
  async get(labels: LabelValues<L> = {} as LabelValues<L>): Promise<{count: number; sum: number}> {
    return {
      count: await this.valueOf(labels, `${this.name}_count`),
      sum: await this.valueOf(labels, `${this.name}_sum`),
    }
  }
}

export interface FamilyInfo {
  name: string
  help: string
  type: 'counter' | 'gauge' | 'histogram'
  labelNames: readonly string[]
}

export class Registry {
  private readonly prom = new PromRegistry()
  private readonly families = new Map<string, FamilyInfo>()

  counter<L extends string = never>(opts: MetricOptions<L>): Counter<L> {
    return this.add(opts, 'counter', () => new Counter<L>(opts, this.prom))
  }

  gauge<L extends string = never>(opts: MetricOptions<L>): Gauge<L> {
    return this.add(opts, 'gauge', () => new Gauge<L>(opts, this.prom))
  }

  histogram<L extends string = never>(opts: HistogramOptions<L>): Histogram<L> {
    return this.add(opts, 'histogram', () => new Histogram<L>(opts, this.prom))
  }

  /**
   * prom-client's default collectors, named as every official client names them (stock Node.js
   * dashboards expect them): process_cpu_seconds_total, process_resident_memory_bytes,
   * process_open_fds, process_start_time_seconds, nodejs_eventloop_lag_seconds,
   * nodejs_gc_duration_seconds, nodejs_heap_size_used_bytes, ... sampled at each scrape.
   */
  collectDefaults(): void {
    collectDefaultMetrics({register: this.prom})
  }

  /** The families registered through this wrapper, in registration order (documentation, tests). */
  describe(): FamilyInfo[] {
    return [...this.families.values()]
  }

  /** The whole exposition document (the default collectors, when on, come after our families). */
  metrics(): Promise<string> {
    return this.prom.metrics()
  }

  private add<F>(opts: MetricOptions<string>, type: FamilyInfo['type'], make: () => F): F {
    if (this.prom.getSingleMetric(opts.name)) throw new TypeError(`metric ${opts.name} already registered`)
    const family = make() // registers it with prom-client; throws on an invalid name or label
    this.families.set(opts.name, {name: opts.name, help: opts.help, type, labelNames: [...(opts.labelNames ?? [])]})
    return family
  }
}
