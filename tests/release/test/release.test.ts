/**
 * The release, rehearsed on every run (CONTRIBUTING.md, "Releases"):
 *
 * 1. `changeset version` on a scratch copy of what it reads (the workspace's manifests and
 *    `.changeset/`) gives each package the version its pending changesets call for, bumps a package
 *    whose dependency leaves its range, leaves private packages alone, writes a CHANGELOG.md entry
 *    per changeset, and consumes them.
 * 2. Each published package's tarball (`pnpm pack`, what `pnpm publish` uploads) holds exactly
 *    `package.json`, `README.md`, `LICENSE` and `dist/` — no tests, no fixtures, no source maps of test
 *    files — and every file its `exports`, `main`, `types` and `bin` name.
 * 3. Their READMEs link with absolute URLs (a relative link breaks on the registry's page).
 * 4. The tarball sizes are printed, and the root README's size table names every package.
 */
import { execFile } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')

interface Manifest {
  name: string
  version: string
  private?: boolean
  main?: string
  module?: string
  types?: string
  bin?: Record<string, string>
  exports?: unknown
  dependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
}

function run(command: string, args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(command, args, { cwd, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 }, (error, stdout, stderr) => {
      done({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr })
    })
  })
}

/** The files git tracks, relative to the repository root. */
async function tracked(): Promise<string[]> {
  const ran = await run('git', ['ls-files', '-z'], REPO)
  if (ran.code !== 0) throw new Error(`git ls-files failed: ${ran.stderr}`)
  return ran.stdout.split('\0').filter((file) => file !== '')
}

const readJson = <T>(path: string) => JSON.parse(readFileSync(path, 'utf8')) as T

/** Every workspace package: its directory (relative) and manifest. */
function workspacePackages(files: readonly string[]): Array<{ dir: string; manifest: Manifest }> {
  return files
    .filter((file) => /^(packages|apps|tests|bench)(\/[^/]+)?\/package\.json$/.test(file))
    .filter((file) => file !== 'package.json')
    .map((file) => ({ dir: dirname(file), manifest: readJson<Manifest>(join(REPO, file)) }))
}

type Bump = 'patch' | 'minor' | 'major'
const ORDER: Bump[] = ['patch', 'minor', 'major']

/** The pending changesets: per file, the packages and bumps of its front matter and its summary. */
function pendingChangesets(): Array<{ file: string; bumps: Map<string, Bump>; summary: string }> {
  const dir = join(REPO, '.changeset')
  return readdirSync(dir)
    .filter((file) => file.endsWith('.md') && file !== 'README.md')
    .map((file) => {
      const text = readFileSync(join(dir, file), 'utf8')
      const match = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(text)
      if (match === null) throw new Error(`.changeset/${file} has no front matter`)
      const bumps = new Map<string, Bump>()
      for (const line of (match[1] ?? '').split('\n')) {
        const entry = /^\s*["']?([^"':]+)["']?\s*:\s*(patch|minor|major)\s*$/.exec(line)
        if (entry !== null) bumps.set(entry[1] as string, entry[2] as Bump)
      }
      return { file, bumps, summary: (match[2] ?? '').trim() }
    })
}

function increment(version: string, bump: Bump): string {
  const [major = 0, minor = 0, patch = 0] = version.split('.').map(Number)
  if (bump === 'major') return `${major + 1}.0.0`
  if (bump === 'minor') return `${major}.${minor + 1}.0`
  return `${major}.${minor}.${patch + 1}`
}

/** Does `version` satisfy a caret range of `base` (what `workspace:^` becomes)? */
function inCaretRange(version: string, base: string): boolean {
  const [a = 0, b = 0] = version.split('.').map(Number)
  const [x = 0, y = 0] = base.split('.').map(Number)
  return x > 0 ? a === x : y > 0 ? a === 0 && b === y : version === base
}

/**
 * The versions `changeset version` should give: the largest bump of a package's changesets; a patch
 * for a published package whose `workspace:^` dependency leaves its range
 * (`updateInternalDependencies: patch`), repeated until nothing changes; private packages untouched.
 */
function expectedVersions(packages: ReadonlyArray<{ manifest: Manifest }>): Map<string, string> {
  const bumps = new Map<string, Bump>()
  for (const changeset of pendingChangesets()) {
    for (const [name, bump] of changeset.bumps) {
      const previous = bumps.get(name)
      if (previous === undefined || ORDER.indexOf(bump) > ORDER.indexOf(previous)) bumps.set(name, bump)
    }
  }
  const current = new Map(packages.map(({ manifest }) => [manifest.name, manifest.version]))
  const next = () =>
    new Map(
      packages.map(({ manifest }) => {
        const bump = bumps.get(manifest.name)
        return [manifest.name, bump === undefined ? manifest.version : increment(manifest.version, bump)]
      }),
    )
  for (let changed = true; changed; ) {
    changed = false
    const versions = next()
    for (const { manifest } of packages) {
      if (manifest.private === true || bumps.has(manifest.name)) continue
      const deps = { ...manifest.dependencies, ...manifest.peerDependencies }
      const leaves = Object.entries(deps).some(
        ([dep, range]) =>
          range.startsWith('workspace:^') && !inCaretRange(versions.get(dep) ?? '0.0.0', current.get(dep) ?? '0.0.0'),
      )
      if (leaves) {
        bumps.set(manifest.name, 'patch')
        changed = true
      }
    }
  }
  for (const { manifest } of packages) if (manifest.private === true) bumps.delete(manifest.name)
  return next()
}

let files: string[]
let scratch: string

beforeAll(async () => {
  files = await tracked()
  scratch = mkdtempSync(join(tmpdir(), 'tokens-release-'))
})

afterAll(() => {
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true })
})

describe('changeset version on a scratch copy', () => {
  it('gives the expected versions and CHANGELOG entries, leaves private packages alone, consumes the changesets', async () => {
    const copy = join(scratch, 'repo')
    const needed = files.filter(
      (file) =>
        file === 'package.json' ||
        file === 'pnpm-workspace.yaml' ||
        file.startsWith('.changeset/') ||
        /(^|\/)(package\.json|CHANGELOG\.md)$/.test(file),
    )
    for (const file of needed) {
      mkdirSync(dirname(join(copy, file)), { recursive: true })
      copyFileSync(join(REPO, file), join(copy, file))
    }
    const packages = workspacePackages(files)
    const expected = expectedVersions(packages)
    const changesets = pendingChangesets()

    const ran = await run(process.execPath, [join(REPO, 'node_modules/@changesets/cli/bin.js'), 'version'], copy)
    expect(ran.code, `${ran.stdout}\n${ran.stderr}`).toBe(0)

    const versions = new Map(
      packages.map(({ dir, manifest }) => [manifest.name, readJson<Manifest>(join(copy, dir, 'package.json')).version]),
    )
    expect(Object.fromEntries(versions)).toEqual(Object.fromEntries(expected))
    console.log(
      `changeset version: ${packages
        .filter(({ manifest }) => manifest.private !== true)
        .map(({ manifest }) => `${manifest.name} ${manifest.version} → ${versions.get(manifest.name)}`)
        .join(', ')}`,
    )

    for (const { dir, manifest } of packages) {
      const version = versions.get(manifest.name)
      const changelog = join(copy, dir, 'CHANGELOG.md')
      if (version === manifest.version) {
        if (manifest.private === true) expect(existsSync(changelog), `${manifest.name} is private`).toBe(false)
        continue
      }
      const text = readFileSync(changelog, 'utf8')
      expect(text.startsWith(`# ${manifest.name}\n\n## ${version}\n`), `${manifest.name}'s CHANGELOG.md`).toBe(true)
      for (const changeset of changesets.filter((candidate) => candidate.bumps.has(manifest.name))) {
        const firstLine = changeset.summary.split('\n')[0] ?? ''
        expect(text, `${manifest.name}'s CHANGELOG.md has .changeset/${changeset.file}`).toContain(firstLine)
      }
    }
    expect(readdirSync(join(copy, '.changeset')).sort()).toEqual(['README.md', 'config.json'])
  })
})

describe('the tarballs', () => {
  const published = () => workspacePackages(files).filter(({ manifest }) => manifest.private !== true)
  let packed: Array<{ name: string; dir: string; tarball: string; entries: string[]; unpacked: string }>

  beforeAll(async () => {
    const into = join(scratch, 'tarballs')
    mkdirSync(into, { recursive: true })
    packed = []
    for (const { dir, manifest } of published()) {
      const before = new Set(readdirSync(into))
      const ran = await run('pnpm', ['pack', '--pack-destination', into], join(REPO, dir))
      if (ran.code !== 0) throw new Error(`pnpm pack in ${dir}: ${ran.stderr}`)
      const tarball = readdirSync(into).find((file) => file.endsWith('.tgz') && !before.has(file))
      if (tarball === undefined) throw new Error(`pnpm pack in ${dir} made no tarball`)
      const unpacked = join(scratch, 'unpacked', dir)
      mkdirSync(unpacked, { recursive: true })
      const extracted = await run('tar', ['-xzf', join(into, tarball), '-C', unpacked], REPO)
      if (extracted.code !== 0) throw new Error(`tar: ${extracted.stderr}`)
      const entries = listFiles(join(unpacked, 'package')).map((file) => relative(join(unpacked, 'package'), file))
      packed.push({
        name: manifest.name,
        dir,
        tarball: join(into, tarball),
        entries,
        unpacked: join(unpacked, 'package'),
      })
    }
  })

  it('hold package.json, README.md, LICENSE and dist/ only: no tests, fixtures or their source maps', () => {
    for (const pkg of packed) {
      const stray = pkg.entries.filter((entry) => !/^(package\.json|README\.md|LICENSE|dist\/.+)$/.test(entry))
      expect(stray, `${pkg.name}: files besides package.json, README.md, LICENSE and dist/`).toEqual([])
      const tests = pkg.entries.filter((entry) =>
        /(^|\/)(tests?|__tests__|fixtures?)(\/|$)|\.(test|spec)\.|fixture/i.test(entry),
      )
      expect(tests, `${pkg.name}: test files`).toEqual([])
      for (const map of pkg.entries.filter((entry) => entry.endsWith('.map'))) {
        const { sources } = readJson<{ sources: string[] }>(join(pkg.unpacked, map))
        const testSources = sources.filter((source) => /(^|\/)(test|tests|fixtures?)\//.test(source))
        expect(testSources, `${pkg.name}: ${map} maps test sources`).toEqual([])
      }
      expect(readFileSync(join(pkg.unpacked, 'LICENSE'), 'utf8'), `${pkg.name}: LICENSE`).toBe(
        readFileSync(join(REPO, 'LICENSE'), 'utf8'),
      )
    }
  })

  it('hold every file package.json points at (exports, main, module, types, bin)', () => {
    for (const pkg of packed) {
      const manifest = readJson<Manifest>(join(pkg.unpacked, 'package.json'))
      const targets = [manifest.main, manifest.module, manifest.types, ...Object.values(manifest.bin ?? {})]
      const walk = (value: unknown): void => {
        if (typeof value === 'string') targets.push(value)
        else if (typeof value === 'object' && value !== null) for (const inner of Object.values(value)) walk(inner)
      }
      walk(manifest.exports)
      for (const target of targets) {
        if (target === undefined) continue
        expect(pkg.entries, `${pkg.name}: ${target}`).toContain(target.replace(/^\.\//, ''))
      }
      expect(JSON.stringify(manifest), `${pkg.name}: workspace: ranges left in the packed manifest`).not.toContain(
        'workspace:',
      )
    }
  })

  it('ship READMEs whose links work on the registry page (absolute URLs or anchors, no relative paths)', () => {
    for (const pkg of packed) {
      const text = readFileSync(join(pkg.unpacked, 'README.md'), 'utf8').replace(/```[\s\S]*?```/g, '')
      const targets = [
        ...[...text.matchAll(/\]\(([^)\s]+)[^)]*\)/g)].map((match) => match[1] ?? ''),
        ...[...text.matchAll(/^\s*\[[^\]]+\]:\s*(\S+)/gm)].map((match) => match[1] ?? ''),
        ...[...text.matchAll(/<(?:a|img)\s[^>]*(?:href|src)="([^"]+)"/g)].map((match) => match[1] ?? ''),
      ]
      const relativeLinks = targets.filter((target) => !/^(https?:|mailto:|#)/.test(target))
      expect(relativeLinks, `${pkg.name}: README links that break on the registry page`).toEqual([])
    }
  })

  it('are listed with their sizes in the root README', () => {
    const rows = packed.map((pkg) => {
      const size = statSync(pkg.tarball).size
      const unpacked = pkg.entries.reduce((sum, entry) => sum + statSync(join(pkg.unpacked, entry)).size, 0)
      return `| \`${pkg.name}\` | ${(size / 1024).toFixed(1)} kB | ${(unpacked / 1024).toFixed(1)} kB | ${pkg.entries.length} |`
    })
    console.log(
      `tarball sizes (pnpm pack):\n| package | tarball | unpacked | files |\n|---|--:|--:|--:|\n${rows.join('\n')}`,
    )
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8')
    for (const pkg of packed)
      expect(readme, `the README's size table names ${pkg.name}`).toMatch(
        new RegExp(`\\| \`${pkg.name}\` \\| [\\d.]+ kB \\|`),
      )
  })
})

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? listFiles(join(dir, entry.name)) : [join(dir, entry.name)]))
    .sort()
}
