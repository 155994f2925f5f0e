// docs/config.md must list exactly the options of the schema, in the right section, with the right default.
import {expect} from 'chai'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {OPTION_NAMES, OPTIONS} from '../../../src/lib/config/index.js'

const DOC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docs/config.md')

interface DocRow {
  name: string
  section: string
  default: string
}

/** Option rows of the tables under the "### `[section]` ..." headings of the Options chapter. */
function docRows(text: string): DocRow[] {
  const rows: DocRow[] = []
  let section: string | undefined
  for (const line of text.slice(text.indexOf('\n## Options')).split('\n')) {
    const heading = /^### `\[(\w+)\]`/.exec(line)
    if (heading) section = heading[1]
    const row = /^\| `(\w+)` \|[^|]*\| ([^|]+) \|/.exec(line)
    if (row && section) rows.push({name: row[1]!, section, default: row[2]!.trim()})
  }

  return rows
}

/** How the doc writes a default. */
function docDefault(value: unknown): string {
  if (value === undefined) return 'unset'
  if (Array.isArray(value)) return value.length === 0 ? 'empty' : `\`${value.join(',')}\``
  if (typeof value === 'object' && value !== null)
    return Object.keys(value).length === 0 ? 'empty' : JSON.stringify(value)
  return `\`${String(value)}\``
}

describe('docs/config.md', () => {
  const rows = docRows(readFileSync(DOC, 'utf8'))

  it('lists every option of the schema exactly once', () => {
    expect(rows.map((r) => r.name).sort()).to.deep.equal([...OPTION_NAMES].sort())
  })

  for (const name of OPTION_NAMES) {
    it(`${name}: section and default match the schema`, () => {
      const row = rows.find((r) => r.name === name)
      expect(row, `${name} missing from docs/config.md`).to.not.equal(undefined)
      expect(row!.section).to.equal(OPTIONS[name].section)
      expect(row!.default).to.equal(docDefault(OPTIONS[name].default))
    })
  }
})
