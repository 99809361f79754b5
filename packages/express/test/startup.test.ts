import { once } from 'node:events'
import { expect, it } from 'vitest'
import { requireToken } from '../src/index.js'

it('a typo in requireToken() throws at startup, naming the types', () => {
  expect(() => requireToken('pgae' as 'page')).toThrow(/requireToken\(\): type must be one of user, page/)
  expect(() => requireToken(['user', 'sytem_user'] as unknown as 'user')).toThrow(TypeError)
  expect(() => requireToken([] as unknown as 'user')).toThrow(TypeError)
  expect(() => requireToken('page', { scopes: 'pages_manage_posts' as unknown as string[] })).toThrow(/scopes/)
})

it('requireToken() with no tokens() anywhere warns once the app is set up, naming the fix', async () => {
  // This file builds no tokens() middleware: the routes below could never verify a token.
  const warned = once(process, 'warning') as Promise<[Error & { code?: string }]>
  requireToken('user')
  requireToken('page')
  const [warning] = await warned
  expect(warning.code).toBe('TOKENS_REQUIRE_WITHOUT_CORE')
  expect(warning.message).toMatch(/app\.use\(tokens\(/)
})
