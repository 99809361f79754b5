/**
 * The consumer test's machinery: packs the published packages, lays out scratch projects outside the
 * workspace (in the OS temp dir, where no `node_modules` of the monorepo can be found by walking up),
 * installs them with plain `npm`, and runs commands there with an environment cleaned of pnpm's
 * `npm_config_*` settings.
 */
import { execFile } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, parse, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** This package's directory. */
export const HERE = resolve(dirname(fileURLToPath(import.meta.url)), '..')
/** The repository root. */
export const REPO = resolve(HERE, '../..')

/** A published package of `packages/*`: its name, directory and packed tarball (once packed). */
export interface Published {
  name: string
  dir: string
  tarball: string
}

/** What a command printed, and how it ended. */
export interface Ran {
  code: number
  stdout: string
  stderr: string
}

/**
 * The environment of every command in a scratch project: the caller's, without what would tie it to
 * the workspace (pnpm's `npm_config_*` and `npm_package_*`, `NODE_PATH`, `NODE_OPTIONS`), keeping the
 * Node headers setting so that `better-sqlite3` builds against them rather than downloading them.
 */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|NODE_PATH$|NODE_OPTIONS$|VITEST|TEST$|PNPM_)/i.test(key)) continue
    env[key] = value
  }
  if (process.env.npm_config_nodedir !== undefined) env.npm_config_nodedir = process.env.npm_config_nodedir
  else if (existsSync('/usr/include/node/node.h')) env.npm_config_nodedir = '/usr'
  // node-gyp compiles better-sqlite3 on both cores.
  env.JOBS ??= 'max'
  return { ...env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false', ...extra }
}

/** Runs a command without a shell; never throws for a non-zero exit. */
export function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<Ran> {
  return new Promise((done) => {
    execFile(
      command,
      args,
      {
        cwd: options.cwd,
        env: options.env ?? cleanEnv(),
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1
        done({ code, stdout, stderr: error !== null && code === 1 && stderr === '' ? error.message : stderr })
      },
    )
  })
}

/** The packages `npm publish` would publish: every non-private `packages/*`. */
export function publishedPackages(): Array<Omit<Published, 'tarball'>> {
  const packagesDir = join(REPO, 'packages')
  return readdirSync(packagesDir)
    .sort()
    .flatMap((dir) => {
      const path = join(packagesDir, dir, 'package.json')
      if (!existsSync(path)) return []
      const manifest = JSON.parse(readFileSync(path, 'utf8')) as { name: string; private?: boolean }
      return manifest.private === true ? [] : [{ name: manifest.name, dir: join(packagesDir, dir) }]
    })
}

/** `pnpm pack` of each package into `into` (pnpm replaces `workspace:` ranges with versions). */
export async function packAll(into: string): Promise<Published[]> {
  mkdirSync(into, { recursive: true })
  const packed: Published[] = []
  for (const pkg of publishedPackages()) {
    const before = new Set(readdirSync(into))
    const ran = await run('pnpm', ['pack', '--pack-destination', into], { cwd: pkg.dir, env: process.env })
    if (ran.code !== 0) throw new Error(`pnpm pack failed in ${pkg.dir}:\n${ran.stdout}\n${ran.stderr}`)
    const made = readdirSync(into).filter((name) => name.endsWith('.tgz') && !before.has(name))
    if (made.length !== 1) throw new Error(`pnpm pack in ${pkg.dir} made ${made.length} tarballs`)
    packed.push({ ...pkg, tarball: join(into, made[0] as string) })
  }
  return packed
}

/** The first directory above `dir` (or `dir` itself) that has a `node_modules`, if any. */
export function nodeModulesAbove(dir: string): string | undefined {
  let current = resolve(dir)
  const { root } = parse(current)
  for (;;) {
    if (existsSync(join(current, 'node_modules'))) return join(current, 'node_modules')
    if (current === root) return undefined
    current = dirname(current)
  }
}

/** A scratch project: its `package.json`, the apps copied in, and tsconfigs per resolution mode. */
export interface ProjectSpec {
  /** The directory name, also the folder of its apps under `apps/`. */
  name: string
  type: 'module' | 'commonjs'
  /** Which `@tokens/*` packages it installs (from their tarballs). */
  tokens: readonly string[]
  /** Third-party dependencies, exact versions or ranges as a user would write them. */
  dependencies: Record<string, string>
  /** Legacy decorators with metadata (NestJS). */
  decorators?: boolean
}

/** The resolution modes a project is compiled under. */
export type Mode = 'nodenext' | 'bundler' | 'node10'

const MODE_OPTIONS: Record<Mode, Record<string, unknown>> = {
  nodenext: { module: 'NodeNext', moduleResolution: 'NodeNext' },
  bundler: { module: 'ESNext', moduleResolution: 'Bundler' },
  node10: { module: 'CommonJS', moduleResolution: 'node10' },
}

/** Writes a project's files into `dir`; `tarballs` by package name. */
export function layOut(dir: string, spec: ProjectSpec, tarballs: ReadonlyMap<string, string>): void {
  mkdirSync(dir, { recursive: true })
  const local: Record<string, string> = {}
  for (const name of spec.tokens) {
    const tarball = tarballs.get(name)
    if (tarball === undefined) throw new Error(`no tarball for ${name}`)
    local[name] = `file:${tarball}`
  }
  // Every @tokens/* package, even one only another tarball depends on, comes from its tarball, never
  // from the registry (overrides apply to transitive dependencies).
  const overrides = Object.fromEntries([...tarballs].map(([name, tarball]) => [name, `file:${tarball}`]))
  const manifest = {
    name: `consumer-${spec.name}`,
    version: '1.0.0',
    private: true,
    type: spec.type,
    dependencies: { ...local, ...spec.dependencies },
    overrides,
  }
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`)
  const apps = join(HERE, 'apps', spec.name)
  if (!existsSync(apps)) return
  for (const file of readdirSync(apps)) copyFileSync(join(apps, file), join(dir, file))
  for (const mode of Object.keys(MODE_OPTIONS) as Mode[]) {
    const tsconfig = {
      compilerOptions: {
        target: 'ES2022',
        lib: ['ES2023'],
        types: ['node'],
        strict: true,
        noUncheckedIndexedAccess: true,
        noImplicitOverride: true,
        esModuleInterop: true,
        skipLibCheck: true,
        outDir: `out-${mode}`,
        ...(spec.decorators === true ? { experimentalDecorators: true, emitDecoratorMetadata: true } : {}),
        ...MODE_OPTIONS[mode],
      },
      include: ['*.ts'],
    }
    writeFileSync(join(dir, `tsconfig.${mode}.json`), `${JSON.stringify(tsconfig, null, 2)}\n`)
  }
}

/** Network failures of npm (the registry unreachable), as opposed to a broken package. */
export const NETWORK_ERROR = /\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ENETUNREACH|ECONNRESET|EHOSTUNREACH)\b/

/**
 * `npm install` in `dir`: first from npm's cache alone (`--offline`); when the cache lacks something,
 * again with `--prefer-offline`, which takes what the cache has and fetches the rest from the registry.
 * Returns how it went, and notes to print.
 */
export async function npmInstall(dir: string): Promise<{ ran: Ran; offline: boolean; notes: string[] }> {
  const args = ['install', '--no-audit', '--no-fund', '--loglevel=error']
  const offline = await run('npm', [...args, '--offline'], { cwd: dir, timeoutMs: 600_000 })
  if (offline.code === 0) return { ran: offline, offline: true, notes: [] }
  // npm reports a package missing from its cache as ENOTCACHED, or as an unresolvable tree
  // (`express@undefined`) when only its manifest is missing: either way, try again with the registry.
  const first = offline.stderr.split('\n').find((line) => line.includes('error')) ?? offline.stderr.slice(0, 200)
  const notes = [
    `note: npm's cache alone cannot install ${dir} (${first.trim()}): installing with --prefer-offline, the missing packages come from the registry`,
  ]
  const online = await run('npm', [...args, '--prefer-offline'], { cwd: dir, timeoutMs: 600_000 })
  return { ran: online, offline: false, notes }
}
