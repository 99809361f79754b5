/**
 * Finds the TSDoc `@example`s of the published packages and typechecks them as code a user of the
 * package would write: each example is its own ES module next to this package (so `@tokens/*` resolve
 * to the built `dist` through the packages' `exports`), sees every export of its package (imported for
 * it unless it imports or declares the name itself) and the givens of `prelude.d.ts`, and is checked
 * with strict options. Nothing is written to disk: the examples are in-memory files.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

/** This package's directory: examples resolve their imports from here. */
export const HERE = resolve(dirname(fileURLToPath(import.meta.url)), '..')
/** The repository root. */
export const REPO = resolve(HERE, '../..')
/** The ambient givens every example may use. */
export const PRELUDE = join(HERE, 'prelude.d.ts')

/** Packages whose examples use decorators (Nest's legacy decorators with metadata). */
const DECORATOR_PACKAGES = new Set(['@tokens/nest'])

/** One fenced ```ts block of an `@example`. */
export interface Example {
  /** The package the comment belongs to, e.g. `@tokens/core`. */
  packageName: string
  /** The source file, relative to the repository root. */
  file: string
  /** The 1-based source line of the block's first line of code. */
  line: number
  /** The code, without the comment's `*` margin. */
  code: string
  /** Per line of `code`, how many characters of margin were removed (to report source columns). */
  margins: number[]
}

/** A malformed `@example` (no ```ts block, an unclosed fence): reported like a compile error. */
export interface ExampleProblem {
  file: string
  line: number
  message: string
}

/** The examples of one source text, and the `@example` tags without a usable ```ts block. */
export function examplesInText(
  text: string,
  packageName: string,
  file: string,
): { examples: Example[]; problems: ExampleProblem[] } {
  const examples: Example[] = []
  const problems: ExampleProblem[] = []
  for (const comment of docComments(text)) {
    const firstLine = lineOf(text, comment.pos)
    const lines = comment.text.split('\n')
    /** The line of the current `@example` tag, while its section lasts. */
    let tagLine: number | undefined
    let blocksInTag = 0
    let fence: { line: number; ts: boolean; code: string[]; margins: number[] } | undefined
    const endTag = () => {
      if (tagLine !== undefined && blocksInTag === 0) {
        problems.push({ file, line: tagLine, message: '`@example` without a ```ts block' })
      }
      tagLine = undefined
    }
    lines.forEach((raw, index) => {
      const line = firstLine + index
      const inner = index === lines.length - 1 ? raw.replace(/\*\/$/, '') : raw
      const margin = /^\s*(?:\/\*\*|\*(?!\/))? ?/.exec(inner)?.[0].length ?? 0
      const content = inner.slice(margin)
      if (fence !== undefined) {
        if (/^\s*```\s*$/.test(content)) {
          if (fence.ts) {
            examples.push({
              packageName,
              file,
              line: fence.line + 1,
              code: fence.code.join('\n'),
              margins: fence.margins,
            })
          }
          fence = undefined
        } else {
          fence.code.push(content)
          fence.margins.push(margin)
        }
        return
      }
      const opening = /^\s*```\s*(\S*)\s*$/.exec(content)
      if (opening !== null) {
        const isTs = opening[1] === 'ts' || opening[1] === 'typescript'
        if (tagLine !== undefined) {
          if (isTs) blocksInTag++
          else problems.push({ file, line, message: `\`@example\` block is \`\`\`${opening[1]}, not \`\`\`ts` })
        }
        fence = { line, ts: isTs && tagLine !== undefined, code: [], margins: [] }
        return
      }
      if (/^@\w/.test(content)) {
        endTag()
        if (/^@example\b/.test(content)) {
          tagLine = line
          blocksInTag = 0
        }
      }
    })
    if (fence !== undefined) problems.push({ file, line: fence.line, message: 'unclosed ``` fence' })
    endTag()
  }
  return { examples, problems }
}

/** Every example of every published package (`packages/*`), with the packages' names. */
export function findExamples(): { packages: string[]; examples: Example[]; problems: ExampleProblem[] } {
  const packages: string[] = []
  const examples: Example[] = []
  const problems: ExampleProblem[] = []
  const packagesDir = join(REPO, 'packages')
  for (const dir of readdirSync(packagesDir).sort()) {
    const manifest = JSON.parse(readFileSync(join(packagesDir, dir, 'package.json'), 'utf8')) as {
      name: string
      private?: boolean
    }
    if (manifest.private === true) continue
    packages.push(manifest.name)
    for (const path of sourceFiles(join(packagesDir, dir, 'src'))) {
      const found = examplesInText(readFileSync(path, 'utf8'), manifest.name, relative(REPO, path))
      examples.push(...found.examples)
      problems.push(...found.problems)
    }
  }
  return { packages, examples, problems }
}

/** What compiling examples found: each example's diagnostics, and those of no example (options, prelude). */
export interface CompileResult {
  diagnostics: Map<Example, string[]>
  general: string[]
}

/**
 * Typechecks examples, one program per package (so that one package's augmentations, like
 * `@tokens/express`'s `req.token`, do not leak into another's examples). Diagnostics carry the
 * example's source `file:line:column`.
 */
export function compileExamples(examples: readonly Example[]): CompileResult {
  const result: CompileResult = { diagnostics: new Map(examples.map((example) => [example, []])), general: [] }
  const host = cachingHost()
  const byPackage = new Map<string, Example[]>()
  for (const example of examples) {
    const group = byPackage.get(example.packageName)
    if (group === undefined) byPackage.set(example.packageName, [example])
    else group.push(example)
  }
  for (const [packageName, ofPackage] of byPackage) {
    const options = compilerOptions(DECORATOR_PACKAGES.has(packageName))
    const exported = exportsOf(packageName, options, host)
    const files = new Map<string, Example>()
    host.virtual.clear()
    ofPackage.forEach((example, index) => {
      const base = `${index}-${example.file.replaceAll('/', '_')}-${example.line}.mts`
      const name = join(HERE, '.examples', packageName, base)
      host.virtual.set(name, moduleText(example, packageName, exported))
      files.set(name, example)
    })
    const program = ts.createProgram({ rootNames: [PRELUDE, ...files.keys()], options, host })
    const all = [
      ...program.getOptionsDiagnostics(),
      ...program.getGlobalDiagnostics(),
      ...program.getSyntacticDiagnostics(),
      ...program.getSemanticDiagnostics(),
    ]
    for (const diagnostic of all) {
      const example = diagnostic.file === undefined ? undefined : files.get(diagnostic.file.fileName)
      if (example === undefined) result.general.push(`${packageName}: ${formatGeneral(diagnostic)}`)
      else result.diagnostics.get(example)?.push(formatInExample(diagnostic, example))
    }
  }
  host.virtual.clear()
  return result
}

/** The example as a module: its code as written (so lines match), then `export {}` and the automatic import. */
function moduleText(example: Example, packageName: string, exported: readonly string[]): string {
  const own = declaredNames(example.code)
  const imported = exported.filter((name) => !own.has(name))
  return `${example.code}\nexport {}\nimport { ${imported.join(', ')} } from '${packageName}'\n`
}

/** The names an example declares or imports at its top level: the automatic import leaves them out. */
export function declaredNames(code: string): Set<string> {
  const names = new Set<string>()
  const source = ts.createSourceFile('example.mts', code, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS)
  const bind = (name: ts.BindingName) => {
    if (ts.isIdentifier(name)) names.add(name.text)
    else for (const element of name.elements) if (!ts.isOmittedExpression(element)) bind(element.name)
  }
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause
      if (clause?.name !== undefined) names.add(clause.name.text)
      const bindings = clause?.namedBindings
      if (bindings !== undefined && ts.isNamespaceImport(bindings)) names.add(bindings.name.text)
      else if (bindings !== undefined) for (const element of bindings.elements) names.add(element.name.text)
    } else if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) bind(declaration.name)
    } else if (
      (ts.isFunctionDeclaration(statement) ||
        ts.isClassDeclaration(statement) ||
        ts.isInterfaceDeclaration(statement) ||
        ts.isTypeAliasDeclaration(statement) ||
        ts.isEnumDeclaration(statement) ||
        ts.isImportEqualsDeclaration(statement)) &&
      statement.name !== undefined
    ) {
      names.add(statement.name.text)
    }
  }
  return names
}

/** The names a package exports (values and types), read from its built declarations as a user sees them. */
function exportsOf(packageName: string, options: ts.CompilerOptions, host: CachingHost): string[] {
  const probe = join(HERE, '.examples', packageName, 'exports.mts')
  host.virtual.set(probe, `export * from '${packageName}'\n`)
  const program = ts.createProgram({ rootNames: [probe], options, host })
  const checker = program.getTypeChecker()
  const source = program.getSourceFile(probe)
  const symbol = source === undefined ? undefined : checker.getSymbolAtLocation(source)
  const names = symbol === undefined ? [] : checker.getExportsOfModule(symbol).map((exported) => exported.name)
  host.virtual.delete(probe)
  if (names.length === 0) throw new Error(`found no exports of ${packageName}: is it built?`)
  return names.sort()
}

/**
 * The entry points of the published packages (`packages/*`), as a user imports them: the keys of each
 * `package.json`'s `exports` but `./package.json`, e.g. `@tokens/core` and `@tokens/core/adapter`.
 */
export function entryPoints(): string[] {
  const entries: string[] = []
  const packagesDir = join(REPO, 'packages')
  for (const dir of readdirSync(packagesDir).sort()) {
    const manifest = JSON.parse(readFileSync(join(packagesDir, dir, 'package.json'), 'utf8')) as {
      name: string
      private?: boolean
      exports?: string | Record<string, unknown>
    }
    if (manifest.private === true) continue
    const keys = typeof manifest.exports === 'object' ? Object.keys(manifest.exports) : ['.']
    for (const key of keys) {
      if (key === './package.json') continue
      entries.push(key === '.' ? manifest.name : `${manifest.name}/${key.replace(/^\.\//, '')}`)
    }
  }
  return entries
}

/**
 * The names an entry point exports (values and types, as a user imports them from its built
 * declarations) whose declaration has no TSDoc `@example` tag. A re-export (`export { a as b }`, the
 * chunks tsup writes) is followed to the declaration it names; a name declared more than once (overloads,
 * a merged interface and namespace) passes if one of its declarations has an `@example`.
 *
 * @param specifier What a user imports, e.g. `@tokens/core/adapter`; resolved from this package.
 * @param files In-memory files (absolute names) the specifier may resolve to, for the checker's own test.
 */
export function exportsWithoutExample(specifier: string, files: ReadonlyMap<string, string> = new Map()): string[] {
  const host = cachingHost()
  const probe = join(HERE, '.examples', 'entry-point.mts')
  for (const [name, text] of files) host.virtual.set(name, text)
  host.virtual.set(probe, `import * as entry from '${specifier}'\n`)
  const program = ts.createProgram({ rootNames: [probe], options: compilerOptions(false), host })
  const checker = program.getTypeChecker()
  const statement = program.getSourceFile(probe)?.statements[0]
  const module =
    statement !== undefined && ts.isImportDeclaration(statement)
      ? checker.getSymbolAtLocation(statement.moduleSpecifier)
      : undefined
  if (module === undefined) throw new Error(`cannot resolve ${specifier}: is it built?`)
  const exported = checker.getExportsOfModule(module)
  if (exported.length === 0) throw new Error(`found no exports of ${specifier}: is it built?`)
  return exported
    .filter((symbol) => {
      const declared = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol
      const declarations = declared.declarations ?? []
      return !declarations.some((declaration) =>
        ts.getJSDocTags(declaration).some((tag) => tag.tagName.text === 'example'),
      )
    })
    .map((symbol) => symbol.name)
    .sort()
}

/** The options a user of the packages would compile with: strict, NodeNext (the packages' `exports` maps). */
function compilerOptions(decorators: boolean): ts.CompilerOptions {
  const { options, errors } = ts.convertCompilerOptionsFromJson(
    {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      lib: ['ES2023'],
      types: ['node'],
      strict: true,
      noUncheckedIndexedAccess: true,
      noImplicitOverride: true,
      esModuleInterop: true,
      skipLibCheck: true,
      noEmit: true,
      ...(decorators ? { experimentalDecorators: true, emitDecoratorMetadata: true } : {}),
    },
    HERE,
  )
  if (errors.length > 0) throw new Error(errors.map(formatGeneral).join('\n'))
  return options
}

interface CachingHost extends ts.CompilerHost {
  /** In-memory files, by absolute name. */
  virtual: Map<string, string>
}

/** The files on disk, parsed once for every program of the run (they do not change meanwhile). */
const parsed = new Map<string, ts.SourceFile | undefined>()

/** A compiler host with in-memory files, that parses each file on disk once. */
function cachingHost(): CachingHost {
  const host = ts.createCompilerHost({}, true)
  const virtual = new Map<string, string>()
  const { fileExists, readFile, getSourceFile, directoryExists } = host
  return Object.assign(host, {
    virtual,
    getCurrentDirectory: () => HERE,
    fileExists: (name: string) => virtual.has(name) || fileExists.call(host, name),
    directoryExists: (name: string) =>
      [...virtual.keys()].some((file) => file.startsWith(`${name}/`)) || directoryExists?.call(host, name) === true,
    readFile: (name: string) => virtual.get(name) ?? readFile.call(host, name),
    getSourceFile: (
      name: string,
      version: ts.ScriptTarget | ts.CreateSourceFileOptions,
      onError?: (message: string) => void,
    ) => {
      const text = virtual.get(name)
      if (text !== undefined) return ts.createSourceFile(name, text, version, true)
      const key = `${name}\0${JSON.stringify(version)}`
      if (!parsed.has(key)) parsed.set(key, getSourceFile.call(host, name, version, onError))
      return parsed.get(key)
    },
  })
}

function formatInExample(diagnostic: ts.Diagnostic, example: Example): string {
  const message = `TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`
  if (diagnostic.file === undefined || diagnostic.start === undefined)
    return `${example.file}:${example.line} ${message}`
  const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start)
  const margin = example.margins[line]
  if (margin === undefined) return `${example.file}:${example.line} (automatic import) ${message}`
  return `${example.file}:${example.line + line}:${margin + character + 1} ${message}`
}

function formatGeneral(diagnostic: ts.Diagnostic): string {
  const message = `TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`
  if (diagnostic.file === undefined || diagnostic.start === undefined) return message
  const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start)
  return `${relative(REPO, diagnostic.file.fileName)}:${line + 1}:${character + 1} ${message}`
}

/** The TSDoc comments of a source text, in order, as the parser sees them (so none inside a string). */
function docComments(text: string): Array<{ pos: number; text: string }> {
  const source = ts.createSourceFile('source.ts', text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS)
  const comments = new Map<number, string>()
  const visit = (node: ts.Node): void => {
    for (const range of ts.getLeadingCommentRanges(text, node.pos) ?? []) {
      const comment = text.slice(range.pos, range.end)
      if (range.kind === ts.SyntaxKind.MultiLineCommentTrivia && comment.startsWith('/**')) {
        comments.set(range.pos, comment)
      }
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return [...comments].sort(([a], [b]) => a - b).map(([pos, comment]) => ({ pos, text: comment }))
}

function lineOf(text: string, index: number): number {
  let line = 1
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++
  return line
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) return sourceFiles(path)
      return entry.isFile() && entry.name.endsWith('.ts') ? [path] : []
    })
    .sort()
}
