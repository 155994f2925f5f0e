// A small in-process metrics registry rendered in the Prometheus text format 0.0.4.
// Contract: families are rendered in registration order and label sets in first-use order, so the
// output is deterministic (golden tests rely on it). A metric without labels always renders its one
// series (0 before the first update); a labelled metric renders only the label sets it has seen or
// that were pre-declared with `declare()`. Label sets must name exactly the declared labels.
import {assertLabelName, assertMetricName, familyHeader, formatLabels, formatValue} from './format.js'

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

interface Series<S> {
  values: string[]
  state: S
}

abstract class Family<L extends string, S> {
  readonly name: string
  readonly help: string
  readonly labelNames: readonly L[]
  private readonly series = new Map<string, Series<S>>()

  protected constructor(opts: MetricOptions<L>, reserved: readonly string[]) {
    assertMetricName(opts.name)
    this.name = opts.name
    this.help = opts.help
    this.labelNames = [...(opts.labelNames ?? [])]
    for (const n of this.labelNames) assertLabelName(n, reserved)
    if (new Set(this.labelNames).size !== this.labelNames.length)
      throw new TypeError(`${opts.name}: duplicate label name`)
  }

  protected abstract initial(): S
  abstract render(): string

  /** Make a label set visible (at its initial value) before its first update. */
  declare(labels: LabelValues<L>): this {
    this.at(labels)
    return this
  }

  /** Forget one label set (e.g. a gauge for something that no longer exists). */
  remove(labels: LabelValues<L>): void {
    this.series.delete(this.key(labels).key)
  }

  protected at(labels: LabelValues<L>): S {
    const {key, values} = this.key(labels)
    let s = this.series.get(key)
    if (!s) {
      s = {values, state: this.initial()}
      this.series.set(key, s)
    }

    return s.state
  }

  protected peek(labels: LabelValues<L>): S | undefined {
    return this.series.get(this.key(labels).key)?.state
  }

  /** Series to render; a label-less family always has its one series. */
  protected entries(): Array<Series<S>> {
    if (this.labelNames.length === 0) this.at({} as LabelValues<L>)
    return [...this.series.values()]
  }

  private key(labels: LabelValues<L>): {key: string; values: string[]} {
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

    const values = this.labelNames.map((n) => String(given[n]))
    return {key: JSON.stringify(values), values}
  }
}

export class Counter<L extends string = never> extends Family<L, {value: number}> {
  constructor(opts: MetricOptions<L>) {
    super(opts, [])
  }

  protected initial(): {value: number} {
    return {value: 0}
  }

  /** Counters only go up: a negative or non-finite increment throws. */
  inc(labels: LabelValues<L> = {} as LabelValues<L>, by = 1): void {
    if (!(by >= 0) || !Number.isFinite(by))
      throw new RangeError(`${this.name}: counter increment must be finite and >= 0, got ${by}`)
    this.at(labels).value += by
  }

  get(labels: LabelValues<L> = {} as LabelValues<L>): number {
    return this.peek(labels)?.value ?? 0
  }

  render(): string {
    let out = familyHeader(this.name, this.help, 'counter')
    for (const s of this.entries())
      out += `${this.name}${formatLabels(this.labelNames, s.values)} ${formatValue(s.state.value)}\n`
    return out
  }
}

export class Gauge<L extends string = never> extends Family<L, {value: number}> {
  constructor(opts: MetricOptions<L>) {
    super(opts, [])
  }

  protected initial(): {value: number} {
    return {value: 0}
  }

  set(labels: LabelValues<L>, value: number): void {
    this.at(labels).value = value
  }

  inc(labels: LabelValues<L> = {} as LabelValues<L>, by = 1): void {
    this.at(labels).value += by
  }

  dec(labels: LabelValues<L> = {} as LabelValues<L>, by = 1): void {
    this.at(labels).value -= by
  }

  get(labels: LabelValues<L> = {} as LabelValues<L>): number {
    return this.peek(labels)?.value ?? 0
  }

  render(): string {
    let out = familyHeader(this.name, this.help, 'gauge')
    for (const s of this.entries())
      out += `${this.name}${formatLabels(this.labelNames, s.values)} ${formatValue(s.state.value)}\n`
    return out
  }
}

interface HistogramState {
  /** Cumulative: counts[i] = observations <= buckets[i]. */
  counts: number[]
  sum: number
  count: number
}

export class Histogram<L extends string = never> extends Family<L, HistogramState> {
  readonly buckets: readonly number[]

  constructor(opts: HistogramOptions<L>) {
    const b = [...opts.buckets]
    if (b.length === 0 || b.some((x, i) => !Number.isFinite(x) || (i > 0 && x <= (b[i - 1] as number)))) {
      throw new TypeError(`${opts.name}: buckets must be finite and strictly ascending`)
    }

    super(opts, ['le'])
    this.buckets = b
  }

  protected initial(): HistogramState {
    return {counts: this.buckets.map(() => 0), sum: 0, count: 0}
  }

  observe(labels: LabelValues<L>, value: number): void {
    if (Number.isNaN(value)) return
    const s = this.at(labels)
    for (const [i, le] of this.buckets.entries()) {
      if (value <= le) s.counts[i] = (s.counts[i] ?? 0) + 1
    }

    s.sum += value
    s.count += 1
  }

  /** Observations and their sum for one label set (tests, logs). */
  get(labels: LabelValues<L> = {} as LabelValues<L>): {count: number; sum: number} {
    const s = this.peek(labels)
    return {count: s?.count ?? 0, sum: s?.sum ?? 0}
  }

  render(): string {
    let out = familyHeader(this.name, this.help, 'histogram')
    const names = [...this.labelNames, 'le']
    for (const s of this.entries()) {
      for (const [i, le] of this.buckets.entries()) {
        out += `${this.name}_bucket${formatLabels(names, [...s.values, formatValue(le)])} ${s.state.counts[i] ?? 0}\n`
      }

      out += `${this.name}_bucket${formatLabels(names, [...s.values, '+Inf'])} ${s.state.count}\n`
      const plain = formatLabels(this.labelNames, s.values)
      out += `${this.name}_sum${plain} ${formatValue(s.state.sum)}\n`
      out += `${this.name}_count${plain} ${s.state.count}\n`
    }

    return out
  }
}

type AnyFamily = Counter<string> | Gauge<string> | Histogram<string>

export interface FamilyInfo {
  name: string
  help: string
  type: 'counter' | 'gauge' | 'histogram'
  labelNames: readonly string[]
}

export class Registry {
  private readonly families = new Map<string, AnyFamily>()
  private readonly collectors: Array<() => void> = []

  /** `fn` runs before every rendering, to refresh values that are sampled rather than pushed. */
  onCollect(fn: () => void): void {
    this.collectors.push(fn)
  }

  counter<L extends string = never>(opts: MetricOptions<L>): Counter<L> {
    return this.register(new Counter<L>(opts))
  }

  gauge<L extends string = never>(opts: MetricOptions<L>): Gauge<L> {
    return this.register(new Gauge<L>(opts))
  }

  histogram<L extends string = never>(opts: HistogramOptions<L>): Histogram<L> {
    return this.register(new Histogram<L>(opts))
  }

  /** The registered families, in registration order (for documentation). */
  describe(): FamilyInfo[] {
    return [...this.families.values()].map((f) => ({
      name: f.name,
      help: f.help,
      type: f instanceof Counter ? 'counter' : f instanceof Gauge ? 'gauge' : 'histogram',
      labelNames: f.labelNames,
    }))
  }

  /** The whole exposition document. */
  metrics(): string {
    for (const fn of this.collectors) fn()
    return [...this.families.values()].map((f) => f.render()).join('')
  }

  private register<F extends {name: string}>(family: F): F {
    if (this.families.has(family.name)) throw new TypeError(`metric ${family.name} already registered`)
    this.families.set(family.name, family as unknown as AnyFamily)
    return family
  }
}
