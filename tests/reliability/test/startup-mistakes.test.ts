import type { TokenType } from '@tokens/core'
import { requireToken } from '@tokens/express'
import { RequireToken } from '@tokens/nest'
import { GraphTokenStrategy } from '@tokens/passport'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { World } from './world.js'

/**
 * A typo in a route's requirement, in plain JavaScript (or through a cast), must fail when the route
 * is defined, naming what is wrong: a route that silently refuses every token (or accepts any) is
 * found by users, not by the deploy.
 */
const TYPO = 'pgae' as TokenType

describe('a requirement naming a token type that does not exist fails at definition time', () => {
  let w: World

  beforeAll(async () => {
    w = await World.start()
  })
  afterAll(async () => {
    await w.close()
  })

  it("Express requireToken('pgae') throws a TypeError naming requireToken and the types", () => {
    expect(() => requireToken(TYPO)).toThrow(TypeError)
    expect(() => requireToken(TYPO)).toThrow(
      /requireToken\(\).*type must be one of user, page, app, system_user, client/,
    )
    expect(() => requireToken(['user', TYPO])).toThrow(TypeError)
    expect(() => requireToken([])).toThrow(TypeError)
    expect(() => requireToken('page')).not.toThrow()
  })

  it("Passport new GraphTokenStrategy({ type: 'pgae' }) throws a TypeError naming the strategy and the types", () => {
    const tokens = w.core()
    expect(() => new GraphTokenStrategy({ tokens, type: TYPO })).toThrow(TypeError)
    expect(() => new GraphTokenStrategy({ tokens, type: TYPO })).toThrow(
      /GraphTokenStrategy.*type must be one of user, page/,
    )
    expect(() => new GraphTokenStrategy({ tokens, type: 'page' })).not.toThrow()
  })

  it("Nest @RequireToken('pgae') throws a TypeError naming the decorator and the types, as the class is declared", () => {
    const declare = () => {
      class Controller {
        @RequireToken(TYPO as never)
        handler(): void {}
      }
      return Controller
    }
    expect(declare).toThrow(TypeError)
    expect(declare).toThrow(/@RequireToken.*type must be one of user, page/)
    expect(() => RequireToken('page')).not.toThrow()
  })
})
