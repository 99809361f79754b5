/**
 * The READMEs' code cannot lie: every ```ts block of a published package's README compiles as a
 * reader's code against the built packages, after the README's visible preamble (`## Names used in the
 * examples`), and every Markdown table renders (no stray `|` splitting a cell). See readme-examples.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import {
  brokenTableRows,
  compileReadmes,
  findReadmes,
  type ReadmeBlock,
  type ReadmeResult,
  readmeBlocks,
} from './readme-examples.js'

const readmes = findReadmes()
const blocks = readmes.flatMap((readme) => [...(readme.preamble ? [readme.preamble] : []), ...readme.blocks])
const name = (block: ReadmeBlock) => `${block.file}:${block.line} (${block.heading})`

describe('README code blocks', () => {
  let compiled: ReadmeResult

  beforeAll(() => {
    compiled = compileReadmes(readmes)
  })

  it('finds the blocks (27 when this test was written)', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(25)
  })

  it('compiles without diagnostics outside the blocks', () => {
    expect(compiled.general).toEqual([])
  })

  it.for(blocks.map((block) => [name(block), block] as const))('%s compiles', ([, block]) => {
    const diagnostics = compiled.diagnostics.get(block) ?? []
    if (diagnostics.length > 0)
      expect.fail(`${name(block)} does not compile:\n${block.code}\n\n${diagnostics.join('\n')}`)
  })
})

describe('README tables', () => {
  it.for(readmes.map((readme) => [readme.file, readme.text] as const))(
    "%s: every row has its table's cells",
    ([file, text]) => {
      expect(brokenTableRows(text, file)).toEqual([])
    },
  )

  it('finds a `|` inside backticks that splits a cell', () => {
    const table = [
      '| option | default |',
      '|---|---|',
      '| `clientToken` | `string | undefined` |',
      '| `a \\| b` | ok |',
    ].join('\n')
    expect(brokenTableRows(table, 'x.md')).toEqual([
      'x.md:3 has 3 cells, its table 2: | `clientToken` | `string | undefined` |',
    ])
  })
})

describe('the README checker itself', () => {
  it('reads blocks, indented ones too, and the preamble', () => {
    const text = [
      '# x',
      '```ts',
      'a()',
      '```',
      '- item',
      '  ```ts',
      '  b()',
      '  ```',
      '## Names used in the examples',
      '```ts',
      'declare const a: () => void',
      '```',
    ].join('\n')
    const found = readmeBlocks(text, 'x.md', '@tokens/x')
    expect(found.blocks.map((block) => [block.line, block.code])).toEqual([
      [3, 'a()'],
      [7, 'b()'],
    ])
    expect(found.preamble?.code).toBe('declare const a: () => void')
  })
})
