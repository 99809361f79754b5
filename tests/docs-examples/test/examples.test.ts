/**
 * STYLE.md rule 12: "Every public export has TSDoc with an `@example` that compiles." Each ```ts block
 * of an `@example` in `packages/*\/src` must typecheck as user code against the built packages (see
 * `examples.ts` for how, and `prelude.d.ts` for the names examples may use without declaring them).
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { type CompileResult, compileExamples, type Example, examplesInText, findExamples } from './examples.js'

/** Fewer examples than this means the search broke (there were 105 when this test was written). */
const MIN_EXAMPLES = 90

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
