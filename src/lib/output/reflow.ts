// Command descriptions are written hard-wrapped (readable in the source); `--help` fills them to
// the terminal instead, so they do not render ragged at 80 columns. The man pages read them with
// the same parser (scripts/gen-man.ts): blank lines separate paragraphs; runs of lines indented by two or more
// spaces (tables, commands) stay as they are; a paragraph starting with `- ` is a list whose
// continuation lines join their item.

/** A paragraph of a description: a list (each item its lines, the `- ` cut), or runs of lines. */
export type DescriptionBlock =
  {kind: 'list'; items: string[][]} | {kind: 'text'; runs: Array<{indented: boolean; lines: string[]}>}

/**
 * The one reading of a hard-wrapped description, shared by `--help` (reflow below) and the man
 * pages (scripts/gen-man.ts): list items' lines are trimmed; a run of plain lines keeps its lines
 * as written (each renderer trims or cuts the indentation it wants).
 */
export function parseDescription(text: string): DescriptionBlock[] {
  const out: DescriptionBlock[] = []
  for (const para of text.trim().split(/\n\s*\n/)) {
    const lines = para.split('\n')
    if ((lines[0] ?? '').startsWith('- ')) {
      const items: string[][] = []
      for (const l of lines) {
        if (l.startsWith('- ')) items.push([l.slice(2).trim()])
        else items.at(-1)?.push(l.trim())
      }

      out.push({kind: 'list', items})
      continue
    }

    const runs: Array<{indented: boolean; lines: string[]}> = []
    for (const l of lines) {
      const indented = /^\s{2,}\S/.test(l)
      const last = runs.at(-1)
      if (last && last.indented === indented) last.lines.push(l)
      else runs.push({indented, lines: [l]})
    }

    out.push({kind: 'text', runs})
  }

  return out
}

/** The description filled for the terminal: plain runs joined into one line, indented runs kept. */
export function reflow(text: string): string {
  return parseDescription(text)
    .map((b) =>
      b.kind === 'list'
        ? b.items.map((i) => `- ${i.join(' ')}`).join('\n')
        : b.runs.map((r) => (r.indented ? r.lines.join('\n') : r.lines.map((l) => l.trim()).join(' '))).join('\n'),
    )
    .join('\n\n')
}
