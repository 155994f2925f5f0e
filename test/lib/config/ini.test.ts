import {expect} from 'chai'

import {normalizeSection, parseIni, unquoteOslo} from '../../../src/lib/config/ini.js'
import {ConfigError} from '../../../src/lib/errors.js'

type Row = [section: string, key: string, value: string, line: number]

function rows(text: string): Row[] {
  return parseIni(text, 'f.conf').entries.map((e) => [e.section, e.key, e.value, e.line])
}

describe('config/ini: oslo iniparser dialect', () => {
  const cases: Array<{name: string; text: string; expected: Row[]}> = [
    {name: 'key = value', text: '[DEFAULT]\na = b\n', expected: [['DEFAULT', 'a', 'b', 2]]},
    {name: 'key: value', text: '[DEFAULT]\na: b\n', expected: [['DEFAULT', 'a', 'b', 2]]},
    {
      name: 'first of = and : separates',
      text: '[DEFAULT]\nx = tcp:1.2.3.4:6641\ny: a=b\n',
      expected: [
        ['DEFAULT', 'x', 'tcp:1.2.3.4:6641', 2],
        ['DEFAULT', 'y', 'a=b', 3],
      ],
    },
    {name: 'key and value are trimmed', text: '[DEFAULT]\na_b  =   c d  \n', expected: [['DEFAULT', 'a_b', 'c d', 2]]},
    {
      name: 'empty value allowed',
      text: '[DEFAULT]\na =\nb:\n',
      expected: [
        ['DEFAULT', 'a', '', 2],
        ['DEFAULT', 'b', '', 3],
      ],
    },
    {
      name: '# and ; comments at line start only',
      text: '# c\n; c\n[DEFAULT]\n#a = 1\na = b # not a comment\n',
      expected: [['DEFAULT', 'a', 'b # not a comment', 5]],
    },
    {name: 'double quotes stripped', text: '[DEFAULT]\na = "x y"\n', expected: [['DEFAULT', 'a', 'x y', 2]]},
    {name: 'single quotes stripped', text: "[DEFAULT]\na = 'x'\n", expected: [['DEFAULT', 'a', 'x', 2]]},
    {name: 'mismatched quotes kept', text: '[DEFAULT]\na = "x\'\n', expected: [['DEFAULT', 'a', '"x\'', 2]]},
    {name: 'only one outer pair stripped', text: '[DEFAULT]\na = ""x""\n', expected: [['DEFAULT', 'a', '"x"', 2]]},
    {name: 'inner quotes kept', text: '[DEFAULT]\na = x "y"\n', expected: [['DEFAULT', 'a', 'x "y"', 2]]},
    {name: 'lone quote becomes empty', text: '[DEFAULT]\na = "\n', expected: [['DEFAULT', 'a', '', 2]]},
    {name: 'no backslash escapes', text: '[DEFAULT]\na = "x\\"\n', expected: [['DEFAULT', 'a', 'x\\', 2]]},
    {
      name: 'continuation lines joined with newline',
      text: '[DEFAULT]\na = one\n  two\n\tthree\nb = c\n',
      expected: [
        ['DEFAULT', 'a', 'one\ntwo\nthree', 2],
        ['DEFAULT', 'b', 'c', 5],
      ],
    },
    {
      name: 'continuation is not unquoted',
      text: '[DEFAULT]\na = "x"\n  "y"\n',
      expected: [['DEFAULT', 'a', 'x\n"y"', 2]],
    },
    {
      name: 'blank line ends a multi-line value',
      text: '[DEFAULT]\na = x\n\nb = y\n',
      expected: [
        ['DEFAULT', 'a', 'x', 2],
        ['DEFAULT', 'b', 'y', 4],
      ],
    },
    {name: 'section names lower-cased', text: '[OVN]\na = 1\n', expected: [['ovn', 'a', '1', 2]]},
    {name: '[Default] is not DEFAULT', text: '[Default]\na = 1\n', expected: [['default', 'a', '1', 2]]},
    {name: 'keys keep their case', text: '[DEFAULT]\nbgp_AS = 1\n', expected: [['DEFAULT', 'bgp_AS', '1', 2]]},
    {
      name: 'repeated key kept in order',
      text: '[DEFAULT]\na = 1\na = 2\n',
      expected: [
        ['DEFAULT', 'a', '1', 2],
        ['DEFAULT', 'a', '2', 3],
      ],
    },
    {name: 'CRLF line endings', text: '[DEFAULT]\r\na = b\r\n', expected: [['DEFAULT', 'a', 'b', 2]]},
    {name: 'UTF-8 BOM ignored', text: '\uFEFF[DEFAULT]\na = b', expected: [['DEFAULT', 'a', 'b', 2]]},
    {name: 'empty file', text: '', expected: []},
  ]
  for (const c of cases) {
    it(c.name, () => {
      expect(rows(c.text)).to.deep.equal(c.expected)
    })
  }

  const errors: Array<{name: string; text: string; line: number; what: RegExp}> = [
    {name: 'assignment before any section', text: 'a = b\n', line: 1, what: /section header/},
    {name: 'continuation without assignment', text: '[DEFAULT]\n  x\n', line: 2, what: /unexpected continuation/},
    {
      name: 'continuation after blank line',
      text: '[DEFAULT]\na = b\n\n  x\n',
      line: 4,
      what: /unexpected continuation/,
    },
    {name: 'missing ]', text: '[DEFAULT\n', line: 1, what: /must end with/},
    {name: 'empty section name', text: '[]\n', line: 1, what: /empty section name/},
    {name: 'no separator', text: '[DEFAULT]\njust words\n', line: 2, what: /no "=" or ":"/},
    {name: 'empty key', text: '[DEFAULT]\n= x\n', line: 2, what: /key cannot be empty/},
  ]
  for (const c of errors) {
    it(`error: ${c.name}`, () => {
      let err: unknown
      try {
        parseIni(c.text, '/etc/x.conf')
      } catch (error) {
        err = error
      }

      expect(err).to.be.instanceOf(ConfigError)
      expect((err as ConfigError).exit).to.equal(2)
      expect((err as Error).message)
        .to.include(`/etc/x.conf:${c.line}`)
        .and.match(c.what)
    })
  }

  it('records section names as written', () => {
    expect([...parseIni('[DEFAULT]\n[OVN]\n[agent]\n[ovn]\n', 'f').sections]).to.deep.equal([
      ['DEFAULT', 'DEFAULT'],
      ['ovn', 'OVN'],
      ['agent', 'agent'],
    ])
  })

  it('normalizeSection and unquoteOslo', () => {
    expect(['DEFAULT', 'Default', 'OVN', 'agent'].map(normalizeSection)).to.deep.equal([
      'DEFAULT',
      'default',
      'ovn',
      'agent',
    ])
    expect(['"a"', "'a'", '"a\'', '"', '', 'a"'].map(unquoteOslo)).to.deep.equal(['a', 'a', '"a\'', '', '', 'a"'])
  })
})
