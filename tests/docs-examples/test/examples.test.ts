/**
 * ARCHITECTURE.md#conventions: "Every public export has TSDoc with an `@example` that compiles." Every name an entry
 * point of a published package exports must have an `@example` in its declaration's TSDoc, and each ```ts
 * block of an `@example` in `packages/*\/src` must typecheck as user code against the built packages (see
 * `examples.ts` for how, and `prelude.d.ts` for the names examples may use without declaring them).
 */

import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  type CompileResult,
  compileExamples,
  type Example,
  entryPoints,
  examplesInText,
  exportsWithoutExample,
  findExamples,
  HERE,
} from './examples.js'

/** Fewer examples than this means the search broke (105 when this test was written, 180 once every export had one). */
const MIN_EXAMPLES = 150

const found = findExamples()
const name = (example: Example) => `${example.file}:${example.line}`

describe('TSDoc examples', () => {
  let compiled: CompileResult

  beforeAll(() => {
    compiled = compileExamples(found.examples)
  })

  it('finds a plausible number of examples, in every package', () => {
    expect(found.examples.length).toBeGreaterThanOrEqual(MIN_EXAMPLES)
    const without = found.packages.filter((pkg) => !found.examples.some((example) => example.packageName === pkg))
    expect(without, 'packages without any example').toEqual([])
  })

  it('finds a ```ts block in every `@example`', () => {
    expect(found.problems.map((problem) => `${problem.file}:${problem.line} ${problem.message}`)).toEqual([])
  })

  it('compiles with the prelude and options (no diagnostics outside examples)', () => {
    expect(compiled.general).toEqual([])
  })

  it.for(found.examples.map((example) => [name(example), example] as const))('%s compiles', ([, example]) => {
    const diagnostics = compiled.diagnostics.get(example) ?? []
    if (diagnostics.length > 0) {
      expect.fail(`example at ${name(example)} does not compile:\n${example.code}\n\n${diagnostics.join('\n')}`)
    }
  })
})

describe('every export has a TSDoc @example', () => {
  const entries = entryPoints()

  it('finds every entry point of every published package', () => {
    expect(entries).toEqual(expect.arrayContaining(['@tokens/core', '@tokens/core/adapter', '@tokens/core/testing']))
    expect(entries).toContain('@tokens/passport/graph-token')
    expect(entries.filter((entry) => entry.endsWith('package.json'))).toEqual([])
  })

  it.for(entries)('%s', (entry) => {
    const missing = exportsWithoutExample(entry)
    expect(missing, `exports of ${entry} without a TSDoc @example: ${missing.join(', ')}`).toEqual([])
  })
})

describe('the export checker itself', () => {
  const dir = join(HERE, '.examples', 'fake')
  const files = new Map([
    [
      join(dir, 'chunk.d.mts'),
      [
        '/** Documented.\n * @example\n * ```ts\n * shown()\n * ```\n */',
        'declare function shown(): void',
        '/** Described, with no example. */',
        'interface Hidden { a: string }',
        'export { shown, Hidden }',
      ].join('\n'),
    ],
    [
      join(dir, 'index.d.mts'),
      [
        "export { shown as renamed, type Hidden as Alias } from './chunk.mjs'",
        '/** A value.\n * @example\n * ```ts\n * const n: number = LIMIT\n * ```\n */',
        'export declare const LIMIT: number',
        '/** See the example in the README. @param x an example */',
        'export declare function bare(x: string): void',
        'export type Undocumented = string',
        '/** One overload documented.\n * @example\n * ```ts\n * over(1)\n * ```\n */',
        'export declare function over(x: number): void',
        'export declare function over(x: string): void',
      ].join('\n'),
    ],
  ])

  it('reports exports without an `@example` tag, through re-exports, and passes documented ones', () => {
    expect(exportsWithoutExample('./fake/index.mjs', files)).toEqual(['Alias', 'Undocumented', 'bare'])
  })

  it('throws for an entry point it cannot resolve (an unbuilt package)', () => {
    expect(() => exportsWithoutExample('./fake/missing.mjs', files)).toThrow('cannot resolve ./fake/missing.mjs')
  })
})

describe('the example checker itself', () => {
  const source = [
    'export const x = 1',
    '/**',
    ' * Verifies.',
    ' *',
    ' * @example',
    ' * ```ts',
    ' * const page = await tokens.verify(raw, { type: "page" })',
    ' * await db.pages.save(page.pageId)',
    ' * const n: number = STATUS.invalid_token',
    ' * ```',
    ' * @example Fine',
    ' * ```ts',
    ' * @Decorated()',
    ' * const user: UserToken | undefined = undefined',
    ' * ```',
    ' * @example',
    ' * ```js',
    ' * nothing()',
    ' * ```',
    ' * @returns nothing',
    ' */',
  ].join('\n')
  const { examples, problems } = examplesInText(source, '@tokens/core', 'packages/core/src/fake.ts')

  it('extracts blocks with their source lines, and refuses an `@example` without a ```ts block', () => {
    expect(examples.map((example) => [example.line, example.code])).toEqual([
      [
        7,
        'const page = await tokens.verify(raw, { type: "page" })\nawait db.pages.save(page.pageId)\nconst n: number = STATUS.invalid_token',
      ],
      [13, '@Decorated()\nconst user: UserToken | undefined = undefined'],
    ])
    expect(problems).toEqual([
      { file: 'packages/core/src/fake.ts', line: 17, message: '`@example` block is ```js, not ```ts' },
      { file: 'packages/core/src/fake.ts', line: 16, message: '`@example` without a ```ts block' },
    ])
  })

  it('reports a broken example with file:line:column and the diagnostic, and passes a good one', () => {
    const [broken] = examples
    const good: Example = {
      packageName: '@tokens/core',
      file: 'packages/core/src/fake.ts',
      line: 40,
      code: "const user = await tokens.verify(raw, { type: 'user' })\nconst id: string = user.userId",
      margins: [3, 3],
    }
    const result = compileExamples([broken as Example, good])
    expect(result.general).toEqual([])
    expect(result.diagnostics.get(broken as Example)).toEqual([
      "packages/core/src/fake.ts:8:10 TS2304: Cannot find name 'db'.",
    ])
    expect(result.diagnostics.get(good)).toEqual([])
  })
})
