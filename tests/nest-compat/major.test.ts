import { createRequire } from 'node:module'
import { Reflector } from '@nestjs/core'
import { expect, inject, it } from 'vitest'
import { TokenGuard } from '../../packages/nest/src/index.js'

declare module 'vitest' {
  interface ProvidedContext {
    /** The NestJS major the compatibility package installed (its config provides it). */
    nestMajor: string
  }
}

const major = inject('nestMajor')

it(`runs @tokens/nest's sources and tests on NestJS ${major}`, () => {
  const installed = (createRequire(`${process.cwd()}/`)('@nestjs/core/package.json') as { version: string }).version
  expect(installed.split('.')[0]).toBe(major)
  // The class the guard injects is this major's Reflector, not the one @tokens/nest is developed with.
  const injected = (Reflect.getMetadata('design:paramtypes', TokenGuard) as unknown[])[1]
  expect(injected).toBe(Reflector)
  expect(injected).toBe((createRequire(`${process.cwd()}/`)('@nestjs/core') as { Reflector: unknown }).Reflector)
})
