// Command descriptions are written hard-wrapped (readable in the source); `--help` fills them to
// the terminal instead, so they do not render ragged at 80 columns. Same rules as the man pages
// (scripts/gen-man.ts): blank lines separate paragraphs; runs of lines indented by two or more
// spaces (tables, commands) stay as they are; a paragraph starting with `- ` is a list whose
// continuation lines join their item.

export function reflow(text: string): string {
  const out: string[] = []
  for (const para of text.trim().split(/\n\s*\n/)) {
    const lines = para.split('\n')
    if ((lines[0] ?? '').startsWith('- ')) {
      const items: string[][] = []
      for (const l of lines) {
        if (l.startsWith('- ')) items.push([l.trim()])
        else items.at(-1)?.push(l.trim())
      }

      out.push(items.map((i) => i.join(' ')).join('\n'))
      continue
    }

    const runs: Array<{indented: boolean; lines: string[]}> = []
    for (const l of lines) {
      const indented = /^\s{2,}\S/.test(l)
      const last = runs.at(-1)
      if (last && last.indented === indented) last.lines.push(l)
      else runs.push({indented, lines: [l]})
    }

    out.push(runs.map((r) => (r.indented ? r.lines.join('\n') : r.lines.map((l) => l.trim()).join(' '))).join('\n'))
  }

  return out.join('\n\n')
}
