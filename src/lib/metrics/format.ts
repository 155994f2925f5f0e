// Prometheus text exposition format 0.0.4: names, escaping and number formatting. Pure.
// Contract (from the format description): HELP text escapes `\` and newline; label values escape
// `\`, `"` and newline; values are Go-style floats where infinities are `+Inf`/`-Inf` and NaN is `NaN`.

/** Content-Type of a 0.0.4 text exposition. */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/

export function assertMetricName(name: string): void {
  if (!METRIC_NAME.test(name)) throw new TypeError(`invalid metric name ${JSON.stringify(name)}`)
}

/** Label names starting with `__` are reserved by Prometheus; `le` is reserved by histograms. */
export function assertLabelName(name: string, reserved: readonly string[] = []): void {
  if (!LABEL_NAME.test(name) || name.startsWith('__') || reserved.includes(name)) {
    throw new TypeError(`invalid label name ${JSON.stringify(name)}`)
  }
}

export function escapeHelp(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll('\n', String.raw`\n`)
}

export function escapeLabelValue(value: string): string {
  return value
    .replaceAll('\\', '\\\\')
    .replaceAll('"', String.raw`\"`)
    .replaceAll('\n', String.raw`\n`)
}

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN'
  if (v === Number.POSITIVE_INFINITY) return '+Inf'
  if (v === Number.NEGATIVE_INFINITY) return '-Inf'
  // Object.is keeps a negative zero readable as 0 rather than "-0" (both parse, 0 is the convention).
  if (Object.is(v, -0)) return '0'
  return String(v)
}

/** `{a="x",b="y"}` in the given name order, or '' when there are no labels. */
export function formatLabels(names: readonly string[], values: readonly string[]): string {
  if (names.length === 0) return ''
  const parts = names.map((n, i) => `${n}="${escapeLabelValue(values[i] ?? '')}"`)
  return `{${parts.join(',')}}`
}

/** The `# HELP` and `# TYPE` header lines of one metric family. */
export function familyHeader(name: string, help: string, type: 'counter' | 'gauge' | 'histogram'): string {
  return `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`
}
