/**
 * STYLE.md rule 20, "the packed package installed by npm into an empty project": every published
 * package is packed with `pnpm pack`, the tarballs are installed with plain `npm` into scratch projects
 * in the OS temp dir (no workspace links, nothing of the monorepo's `node_modules` reachable), the apps of
 * `apps/` are compiled with strict TypeScript 5.9 under NodeNext, Bundler and node10 resolution and with
 * TypeScript 7 under NodeNext and Bundler (7 no longer has node10), and then run against
 * `@tokens/emulator`, asserting real answers. See README.md for what each app proves.
 */
import { spawn } from 'node:child_process'
import { lstatSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  cleanEnv,
  layOut,
  type Mode,
  NETWORK_ERROR,
  nodeModulesAbove,
  npmInstall,
  type ProjectSpec,
  type Published,
  packAll,
  run,
} from './scratch.js'

/** The third-party versions the workspace itself tests with (see the packages' devDependencies). */
const TYPES_NODE = '20.19.43'
const PROJECTS: ProjectSpec[] = [
  {
    name: 'esm',
    type: 'module',
    tokens: [
      '@tokens/cli',
      '@tokens/core',
      '@tokens/emulator',
      '@tokens/express',
      '@tokens/fastify',
      '@tokens/nest',
      '@tokens/passport',
      '@tokens/redis',
      '@tokens/sqlite',
    ],
    dependencies: {
      '@nestjs/common': '12.5.1',
      '@nestjs/core': '12.5.1',
      '@nestjs/platform-express': '12.5.1',
      '@nestjs/platform-fastify': '12.5.0',
      '@types/express': '5.0.6',
      '@types/express-session': '1.19.0',
      '@types/node': TYPES_NODE,
      '@types/passport': '1.0.17',
      '@types/passport-facebook': '3.0.4',
      express: '5.3.0',
      'express-session': '1.19.0',
      fastify: '5.12.8',
      passport: '0.7.0',
      'passport-facebook': '3.0.0',
      'reflect-metadata': '0.2.2',
      rxjs: '7.8.2',
    },
    decorators: true,
  },
  {
    name: 'express4-cjs',
    type: 'commonjs',
    tokens: ['@tokens/core', '@tokens/emulator', '@tokens/express'],
    dependencies: { '@types/express': '^4.17.21', '@types/node': TYPES_NODE, express: '4.22.3' },
  },
  {
    name: 'bearer',
    type: 'commonjs',
    tokens: ['@tokens/core', '@tokens/emulator', '@tokens/passport'],
    dependencies: {
      '@types/express': '5.0.6',
      '@types/node': TYPES_NODE,
      '@types/passport': '1.0.17',
      express: '5.3.0',
      passport: '0.7.0',
    },
  },
]

/** The compilers, in a project of their own, shared by every scratch project. */
const COMPILERS = { name: 'compilers', dependencies: { typescript: '5.9.3', typescript7: 'npm:typescript@7.0.2' } }
const TSC: Record<'5.9' | '7', string> = {
  '5.9': 'node_modules/typescript/bin/tsc',
  '7': 'node_modules/typescript7/bin/tsc',
}

/** Per project: the compilations (TypeScript version, mode), the one whose output runs, and the apps. */
const COMPILES: Array<[project: string, ts: '5.9' | '7', mode: Mode]> = PROJECTS.flatMap((project) => [
  [project.name, '5.9', 'nodenext'] as const,
  [project.name, '5.9', 'bundler'] as const,
  [project.name, '5.9', 'node10'] as const,
  [project.name, '7', 'nodenext'] as const,
  [project.name, '7', 'bundler'] as const,
])
/** Apps to run: the project, the command (from the project's directory), what it prints when it passed. */
const APPS: Array<[app: string, project: string, args: string[], expected: string[]]> = [
  ['Express 5, ESM', 'esm', ['out-nodenext/express5.js'], ['ok express5-esm']],
  ['Fastify 5, ESM', 'esm', ['out-nodenext/fastify.js'], ['ok fastify-esm']],
  ['NestJS 12 on Express and on Fastify, ESM', 'esm', ['out-nodenext/nest.js'], ['ok nest-express', 'ok nest-fastify']],
  ['Passport: Facebook Login, ESM', 'esm', ['out-nodenext/passport-login.js'], ['ok passport-login']],
  ['SQLite and Redis stores, ESM', 'esm', ['out-nodenext/stores.js'], ['ok sqlite', 'ok redis']],
  ['@tokens/cli: tokens debug', 'esm', ['out-nodenext/cli.js'], ['ok cli']],
  ['Express 4, CommonJS (tsc, node10)', 'express4-cjs', ['out-node10/app.js'], ['ok express4-cjs']],
  ['Express 4, plain require()', 'express4-cjs', ['plain.cjs'], ['ok plain-cjs']],
  [
    'Passport: bearer only, no passport-facebook, CommonJS (tsc, node10)',
    'bearer',
    ['out-node10/app.js'],
    ['ok passport-bearer'],
  ],
]

let scratch: string
let packed: Published[] = []
/** Why the suite cannot run here (printed, and every test skipped), or undefined. */
let cannotRun: string | undefined
/** The Redis server the stores app uses, or why there is none. */
let redis: { url: string; stop: () => void } | { missing: string }
const dirOf = (project: string) => join(scratch, project)
const started = Date.now()

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'tokens-consumer-'))
  const above = nodeModulesAbove(scratch)
  if (above !== undefined) throw new Error(`${above} is above the scratch projects: packages would resolve from it`)
  packed = await packAll(join(scratch, 'tarballs'))
  const packedAt = Date.now()
  console.log(`consumer test: packed ${packed.length} packages in ${((packedAt - started) / 1000).toFixed(1)} s`)
  const tarballs = new Map(packed.map((pkg) => [pkg.name, pkg.tarball]))
  for (const spec of PROJECTS) layOut(dirOf(spec.name), spec, tarballs)
  layOut(dirOf(COMPILERS.name), { ...COMPILERS, type: 'commonjs', tokens: [] }, new Map())

  const installs = await Promise.all(
    [...PROJECTS.map((spec) => spec.name), COMPILERS.name].map((name) => npmInstall(dirOf(name))),
  )
  for (const { notes } of installs) for (const note of notes) console.warn(note)
  const how = installs.every(({ offline }) => offline) ? "from npm's cache alone (--offline)" : 'with the registry'
  console.log(
    `consumer test: npm installed ${installs.length} projects ${how} in ${((Date.now() - packedAt) / 1000).toFixed(1)} s`,
  )
  const failed = installs.find(({ ran }) => ran.code !== 0)
  if (failed !== undefined) {
    const output = `${failed.ran.stdout}\n${failed.ran.stderr}`
    // Without the registry and without the packages in npm's cache, nothing can be installed: say so
    // loudly. CI reaches the registry, so there it is a failure, never a skip.
    if (NETWORK_ERROR.test(output) && !process.env.CI) {
      cannotRun = `SKIPPED: the consumer test needs the npm registry or a filled npm cache to install third-party packages, and has neither here:\n${output.slice(0, 2000)}`
      console.warn(cannotRun)
      return
    }
    throw new Error(`npm install failed:\n${output}`)
  }
  redis = await startRedis()
  if ('missing' in redis) console.warn(`note: ${redis.missing}; the Redis store app is not run`)
}, 900_000)

afterAll(() => {
  if (redis !== undefined && 'stop' in redis) redis.stop()
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true })
  console.log(`consumer test: ${((Date.now() - started) / 1000).toFixed(1)} s in all`)
})

describe('packed packages in projects outside the workspace', () => {
  it('installs every tarball with npm as files of its own (no links into the workspace, no workspace: ranges)', (ctx) => {
    if (cannotRun !== undefined) ctx.skip(cannotRun)
    expect(packed.map((pkg) => pkg.name)).toContain('@tokens/core')
    for (const spec of PROJECTS) {
      for (const name of spec.tokens) {
        const installed = join(dirOf(spec.name), 'node_modules', name)
        expect(lstatSync(installed).isSymbolicLink(), `${spec.name}: ${name} is a link`).toBe(false)
        const manifest = readFileSync(join(installed, 'package.json'), 'utf8')
        expect(manifest, `${spec.name}: ${name}`).not.toContain('workspace:')
      }
    }
    expect(() => lstatSync(join(dirOf('bearer'), 'node_modules', 'passport-facebook'))).toThrow()
  })

  it.for(COMPILES)('%s compiles with TypeScript %s, moduleResolution %s (strict)', async ([project, ts, mode], ctx) => {
    if (cannotRun !== undefined) ctx.skip(cannotRun)
    const tsc = join(dirOf(COMPILERS.name), TSC[ts])
    const emit = (mode === 'nodenext' && project === 'esm') || (mode === 'node10' && project !== 'esm')
    const args = [tsc, '-p', `tsconfig.${mode}.json`, ...(emit && ts === '5.9' ? [] : ['--noEmit'])]
    const ran = await run(process.execPath, args, { cwd: dirOf(project) })
    expect(`${ran.stdout}${ran.stderr}`.trim(), `tsc ${args.slice(1).join(' ')} in ${project}`).toBe('')
    expect(ran.code).toBe(0)
  })

  it.for(APPS)('runs %s against the emulator', async ([, project, args, expected], ctx) => {
    if (cannotRun !== undefined) ctx.skip(cannotRun)
    const env = cleanEnv('url' in redis ? { REDIS_URL: redis.url } : {})
    const ran = await run(process.execPath, args, { cwd: dirOf(project), env, timeoutMs: 60_000 })
    const output = `${ran.stdout}${ran.stderr}`
    expect(ran.code, output).toBe(0)
    const lines = ran.stdout.trim().split('\n')
    for (const line of expected) {
      if (line === 'ok redis' && 'missing' in redis)
        expect(lines).toContain('note: REDIS_URL is not set, the Redis store was not tried')
      else expect(lines, output).toContain(line)
    }
  })
})

/** A throwaway redis-server on a free loopback port (as packages/redis/test/redis-server.ts starts one). */
async function startRedis(): Promise<{ url: string; stop: () => void } | { missing: string }> {
  const port = await new Promise<number>((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject()))
    })
  })
  const dir = join(scratch, 'redis')
  return new Promise((resolve) => {
    const proc = spawn(
      process.env.REDIS_SERVER ?? 'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', scratch],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    )
    let out = ''
    proc.on('error', () => resolve({ missing: 'redis-server is not installed' }))
    proc.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      if (out.includes('Ready to accept connections')) {
        proc.stdout.resume()
        resolve({ url: `redis://127.0.0.1:${port}`, stop: () => proc.kill('SIGTERM') })
      }
    })
    proc.on('exit', (code) => resolve({ missing: `redis-server exited (${code}) in ${dir}: ${out}` }))
  })
}
