/**
 * The ```ts blocks of the published packages' READMEs, checked as code a reader would copy: each block
 * is its own ES module, compiled with the same strict options as the TSDoc examples against the built
 * packages, after the README's own preamble. The preamble is the ```ts block under the README's
 * `## Names used in the examples` heading, visible to every reader: the imports and the placeholders
 * (`declare const raw: string`) the other blocks lean on. A block sees the preamble's names except the
 * ones it imports or declares itself; nothing else is added (no automatic imports, no hidden lines).
 * Also finds Markdown tables whose rows have a stray `|` (a pipe inside backticks still splits a cell).
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import ts from 'typescript'
import { declaredNames, HERE, REPO } from './examples.js'

/** The heading whose ```ts block is a README's preamble. */
export const PREAMBLE_HEADING = '## Names used in the examples'

/** One ```ts block of a README. */
export interface ReadmeBlock {
  /** The README, relative to the repository root. */
  file: string
  /** The package the README belongs to. */
  packageName: string
  /** The 1-based line of the block's first line of code. */
  line: number
  code: string
  /** The heading the block is under (`## Quick start`, `### Fastify`). */
  heading: string
}

/** A README's blocks and its preamble (undefined when it has none). */
export interface Readme {
  file: string
  packageName: string
  preamble: ReadmeBlock | undefined
  blocks: ReadmeBlock[]
  /** The whole text, for the table check. */
  text: string
}

/** Reads the ```ts blocks of a README (fences may be indented, inside list items). */
export function readmeBlocks(text: string, file: string, packageName: string): Omit<Readme, 'text'> {
  const lines = text.split('\n')
  const blocks: ReadmeBlock[] = []
  let preamble: ReadmeBlock | undefined
  let heading = ''
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? ''
    const headingMatch = /^#{1,6} .*/.exec(line)
    if (headingMatch !== null) heading = line.trim()
    const open = /^(\s*)(`{3,})(\S*)\s*$/.exec(line)
    if (open === null) continue
    const [, indent = '', fence = '```', lang = ''] = open
    const code: string[] = []
    let end = index + 1
    while (end < lines.length && !new RegExp(`^\\s*${fence}\\s*$`).test(lines[end] ?? '')) {
      code.push((lines[end] ?? '').startsWith(indent) ? (lines[end] ?? '').slice(indent.length) : (lines[end] ?? ''))
      end++
    }
    if (lang === 'ts' || lang === 'typescript') {
      const block = { file, packageName, line: index + 2, code: code.join('\n'), heading }
      if (heading === PREAMBLE_HEADING) preamble = block
      else blocks.push(block)
    }
    index = end
  }
  return { file, packageName, preamble, blocks }
}

/** The README of every published package (`packages/*`). */
export function findReadmes(): Readme[] {
  const packagesDir = join(REPO, 'packages')
  return readdirSync(packagesDir)
    .sort()
    .flatMap((dir) => {
      const manifest = JSON.parse(readFileSync(join(packagesDir, dir, 'package.json'), 'utf8')) as {
        name: string
        private?: boolean
      }
      if (manifest.private === true) return []
      const path = join(packagesDir, dir, 'README.md')
      const text = readFileSync(path, 'utf8')
      return [{ ...readmeBlocks(text, relative(REPO, path), manifest.name), text }]
    })
}

/**
 * The preamble without what the block provides itself: import specifiers and declarations of names the
 * block imports or declares are left out, so that the block's own `import express from 'express'` does
 * not collide with the preamble's. Lines are kept (emptied), so the preamble's line count is stable.
 */
export function preambleFor(preamble: string, block: string): string {
  const own = declaredNames(block)
  const source = ts.createSourceFile('preamble.mts', preamble, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS)
  const lines = preamble.split('\n')
  const blank = (node: ts.Node, replacement: string) => {
    const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line
    const last = source.getLineAndCharacterOfPosition(node.getEnd()).line
    for (let line = first; line <= last; line++) lines[line] = line === first ? replacement : ''
  }
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause
      if (clause === undefined) continue
      const keepDefault = clause.name !== undefined && !own.has(clause.name.text)
      const bindings = clause.namedBindings
      const spec = statement.moduleSpecifier.getText(source)
      const typeOnly = clause.isTypeOnly ? 'type ' : ''
      if (bindings !== undefined && ts.isNamespaceImport(bindings)) {
        if (own.has(bindings.name.text)) blank(statement, '')
        continue
      }
      const named = (bindings?.elements ?? []).filter((element) => !own.has(element.name.text))
      const parts = [
        ...(keepDefault && clause.name !== undefined ? [clause.name.text] : []),
        ...(named.length > 0 ? [`{ ${named.map((element) => element.getText(source)).join(', ')} }`] : []),
      ]
      blank(statement, parts.length === 0 ? '' : `import ${typeOnly}${parts.join(', ')} from ${spec}`)
    } else {
      const names = new Set<string>()
      if (ts.isVariableStatement(statement)) {
        for (const declaration of statement.declarationList.declarations) {
          if (ts.isIdentifier(declaration.name)) names.add(declaration.name.text)
        }
      } else if (
        (ts.isFunctionDeclaration(statement) ||
          ts.isClassDeclaration(statement) ||
          ts.isInterfaceDeclaration(statement) ||
          ts.isTypeAliasDeclaration(statement)) &&
        statement.name !== undefined
      ) {
        names.add(statement.name.text)
      }
      if ([...names].some((name) => own.has(name))) blank(statement, '')
    }
  }
  return lines.join('\n')
}

/** What compiling a README's blocks found: diagnostics per block, and those of the preamble or options. */
export interface ReadmeResult {
  diagnostics: Map<ReadmeBlock, string[]>
  general: string[]
}

/** Files on disk, parsed once for the whole run (they do not change meanwhile). */
const parsedOnDisk = new Map<string, ts.SourceFile | undefined>()

/** Typechecks every block of every README (one program per README), each after its preamble. */
export function compileReadmes(readmes: readonly Readme[]): ReadmeResult {
  const result: ReadmeResult = { diagnostics: new Map(), general: [] }
  for (const readme of readmes) {
    if (readme.blocks.length === 0) continue
    const options = compilerOptions()
    const files = new Map<string, { block: ReadmeBlock; offset: number }>()
    const virtual = new Map<string, string>()
    const preamble = readme.preamble?.code ?? ''
    const offset = preamble === '' ? 0 : preamble.split('\n').length
    readme.blocks.forEach((block, index) => {
      const name = join(HERE, '.readmes', readme.packageName, `${index}-line-${block.line}.mts`)
      const head = preamble === '' ? '' : `${preambleFor(preamble, block.code)}\n`
      virtual.set(name, `${head}${block.code}\nexport {}\n`)
      files.set(name, { block, offset })
      result.diagnostics.set(block, [])
    })
    if (readme.preamble !== undefined) {
      const name = join(HERE, '.readmes', readme.packageName, 'preamble.mts')
      virtual.set(name, `${preamble}\nexport {}\n`)
      files.set(name, { block: readme.preamble, offset: 0 })
      result.diagnostics.set(readme.preamble, [])
    }
    const host = ts.createCompilerHost(options, true)
    const { fileExists, readFile, getSourceFile } = host
    Object.assign(host, {
      getCurrentDirectory: () => HERE,
      fileExists: (file: string) => virtual.has(file) || fileExists.call(host, file),
      readFile: (file: string) => virtual.get(file) ?? readFile.call(host, file),
      getSourceFile: (file: string, version: ts.ScriptTarget, onError?: (message: string) => void) => {
        const text = virtual.get(file)
        if (text !== undefined) return ts.createSourceFile(file, text, version, true)
        // Files on disk (the packages' declarations, @types) are parsed once for every README.
        const key = `${file}\0${JSON.stringify(version)}`
        if (!parsedOnDisk.has(key)) parsedOnDisk.set(key, getSourceFile.call(host, file, version, onError))
        return parsedOnDisk.get(key)
      },
    })
    const program = ts.createProgram({ rootNames: [...files.keys()], options, host })
    const all = [
      ...program.getOptionsDiagnostics(),
      ...program.getGlobalDiagnostics(),
      ...program.getSyntacticDiagnostics(),
      ...program.getSemanticDiagnostics(),
    ]
    for (const diagnostic of all) {
      const found = diagnostic.file === undefined ? undefined : files.get(diagnostic.file.fileName)
      const message = `TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`
      if (found === undefined || diagnostic.file === undefined || diagnostic.start === undefined) {
        result.general.push(`${readme.file}: ${message}`)
        continue
      }
      const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start)
      const where =
        line < found.offset && found.block !== readme.preamble
          ? `${(readme.preamble?.line ?? 0) + line}:${character + 1} (preamble)`
          : `${found.block.line + line - found.offset}:${character + 1}`
      result.diagnostics.get(found.block)?.push(`${readme.file}:${where} ${message}`)
    }
  }
  return result
}

/**
 * The options of a reader's project: strict, NodeNext, as the TSDoc examples are checked, with Nest's
 * legacy decorators (the Nest and Passport READMEs use them; they change nothing elsewhere).
 */
function compilerOptions(): ts.CompilerOptions {
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
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
    },
    HERE,
  )
  if (errors.length > 0) throw new Error(errors.map((error) => String(error.messageText)).join('\n'))
  return options
}

/**
 * Table rows whose cell count differs from their header's: what a `|` inside a cell (even inside
 * backticks, which GitHub and the registry do not protect) does to a table. Rows in code fences are
 * not tables. An escaped `\|` is not a separator.
 */
export function brokenTableRows(text: string, file: string): string[] {
  const problems: string[] = []
  const lines = text.split('\n')
  let inFence = false
  let columns: number | undefined
  const cells = (line: string) =>
    line
      .trim()
      .replace(/^\|/, '')
      .replace(/\|$/, '')
      .split(/(?<!\\)\|/).length
  lines.forEach((line, index) => {
    if (/^\s*```/.test(line)) inFence = !inFence
    if (inFence || !/^\s*\|/.test(line)) {
      columns = undefined
      return
    }
    const next = lines[index + 1] ?? ''
    if (columns === undefined) {
      if (/^\s*\|?\s*:?-{3,}/.test(next)) columns = cells(line)
      return
    }
    const count = cells(line)
    if (count !== columns) problems.push(`${file}:${index + 1} has ${count} cells, its table ${columns}: ${line}`)
  })
  return problems
}
