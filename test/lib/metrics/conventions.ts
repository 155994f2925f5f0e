// A reader of the Prometheus text exposition (format 0.0.4) and the naming rules of
// https://prometheus.io/docs/practices/naming/ as checks, shared by the registry-level test and the
// scrape of a real `watch` (test/commands/watch.test.ts).

export interface ScrapedFamily {
  name: string
  type: string | undefined
  help: string | undefined
  samples: Array<{name: string; labels: Record<string, string>; value: number}>
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g
const SUFFIXES = ['_bucket', '_sum', '_count']

/** Families by name; a sample line that belongs to no HELP/TYPE-declared family gets a family of its own (type undefined). */
export function parseExposition(text: string): Map<string, ScrapedFamily> {
  const families = new Map<string, ScrapedFamily>()
  const family = (name: string): ScrapedFamily => {
    let f = families.get(name)
    if (!f) families.set(name, (f = {name, type: undefined, help: undefined, samples: []}))
    return f
  }

  for (const line of text.split('\n')) {
    if (line === '') continue
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line)
    if (meta) {
      const f = family(meta[2]!)
      if (meta[1] === 'HELP') f.help = meta[3]
      else f.type = meta[3]
      continue
    }

    if (line.startsWith('#')) continue
    const m = SAMPLE.exec(line)
    if (!m) throw new Error(`not an exposition line: ${JSON.stringify(line)}`)
    const name = m[1]!
    const base = SUFFIXES.map((s) => (name.endsWith(s) ? name.slice(0, -s.length) : '')).find(
      (b) => b && families.get(b)?.type === 'histogram',
    )
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(LABEL)].map((l) => [l[1]!, l[2]!]))
    family(base ?? name).samples.push({name, labels, value: Number(m[3] === '+Inf' ? Infinity : m[3])})
  }

  return families
}

const UNIT_WORDS =
  /_(milliseconds|microseconds|nanoseconds|minutes|hours|days|kilobytes|megabytes|gigabytes|bits|percent)(_|$)/
const BASE_UNIT = /_(seconds|bytes)(_|$)/

/** Every way `f` breaks the rules for an application family (our ovn_bgp_* ones); [] when none. */
export function namingProblems(f: ScrapedFamily): string[] {
  return [...declarationProblems(f), ...unitProblems(f), ...sampleProblems(f)].map((why) => `${f.name}: ${why}`)
}

/** Prefix, case, HELP, TYPE, and `_total` exactly on counters. */
function declarationProblems(f: ScrapedFamily): string[] {
  const p: string[] = []
  if (!/^ovn_bgp_[a-z0-9_]+$/.test(f.name) || f.name.includes('__')) p.push('not ovn_bgp_ + snake_case')
  if (!f.help || f.help.length < 10) p.push('no HELP text')
  if (!['counter', 'gauge', 'histogram'].includes(f.type ?? '')) p.push(`TYPE ${f.type ?? 'missing'}`)
  if (f.type === 'counter' && !f.name.endsWith('_total')) p.push('a counter not ending in _total')
  if (f.type !== 'counter' && f.name.endsWith('_total')) p.push('_total on a non-counter')
  return p
}

/** Base units only, as the last word (before `_total`); histograms and timestamps have one. */
function unitProblems(f: ScrapedFamily): string[] {
  const p: string[] = []
  if (UNIT_WORDS.test(f.name)) p.push('a unit other than the base units (seconds, bytes)')
  const unit = BASE_UNIT.exec(f.name)
  if (unit && !f.name.endsWith(`_${unit[1]}`) && !f.name.endsWith(`_${unit[1]}_total`))
    p.push('the unit is not the last word')
  if (f.type === 'histogram' && !BASE_UNIT.test(f.name)) p.push('a histogram without a base unit')
  if (f.name.includes('timestamp') && !f.name.endsWith('_timestamp_seconds')) p.push('a timestamp not in seconds')
  return p
}

/** The rules on a family's series: `_info` gauges at 1, snake_case label names, no NaN. */
function sampleProblems(f: ScrapedFamily): string[] {
  const p: string[] = []
  if (f.name.endsWith('_info')) {
    if (f.type !== 'gauge') p.push('an _info metric that is not a gauge')
    if (f.samples.length === 0 || f.samples.some((s) => s.value !== 1)) p.push('an _info gauge not at 1')
  }

  for (const s of f.samples) {
    for (const l of Object.keys(s.labels)) if (!/^[a-z][a-z0-9_]*$/.test(l)) p.push(`label ${l} not snake_case`)
    if (Number.isNaN(s.value)) p.push(`${s.name} is NaN`)
  }

  return p
}

/** prom-client's default collectors that standard Node.js dashboards read. */
const DEFAULT_COLLECTORS: Record<string, string> = {
  process_cpu_seconds_total: 'counter',
  process_cpu_user_seconds_total: 'counter',
  process_resident_memory_bytes: 'gauge',
  process_open_fds: 'gauge',
  process_max_fds: 'gauge',
  process_start_time_seconds: 'gauge',
  nodejs_eventloop_lag_seconds: 'gauge',
  nodejs_eventloop_lag_p99_seconds: 'gauge',
  nodejs_gc_duration_seconds: 'histogram',
  nodejs_heap_size_used_bytes: 'gauge',
  nodejs_external_memory_bytes: 'gauge',
  nodejs_version_info: 'gauge',
}

/** Default collectors missing from `families` or of another type; [] when all are there. */
export function missingDefaults(families: Map<string, ScrapedFamily>): string[] {
  return Object.entries(DEFAULT_COLLECTORS)
    .filter(([name, type]) => families.get(name)?.type !== type || !families.get(name)?.help)
    .map(([name, type]) => `${name} (${type})`)
}
