import { describe, expect, it } from 'vitest'
import { Telemetry, urlTemplate } from '../src/telemetry.js'

describe('urlTemplate', () => {
  it('replaces the version, ids and token-like segments; keeps edge names', () => {
    expect(urlTemplate('/debug_token?input_token=[redacted]', true)).toBe('/{version}/debug_token')
    expect(urlTemplate('/me/accounts', true)).toBe('/{version}/me/accounts')
    expect(urlTemplate('/1234567890/accounts', true)).toBe('/{version}/{id}/accounts')
    expect(urlTemplate('/1234_5678/comments', false)).toBe('/{id}/comments')
    expect(urlTemplate('/[redacted]/permissions', true)).toBe('/{version}/{token}/permissions')
    expect(urlTemplate('/Some.Name', true)).toBe('/{version}/{id}')
    expect(urlTemplate('/oauth/access_token', true)).toBe('/{version}/oauth/access_token')
  })
})

describe('with @opentelemetry/api installed and no SDK registered', () => {
  it('the instrumentation records nothing: no verification or Graph span is even kept', () => {
    const telemetry = Telemetry.load('1234')
    expect(telemetry).toBeInstanceOf(Telemetry)
    expect(telemetry?.verification()).toBeUndefined()
    expect(telemetry?.graphRequest('GET', new URL('https://graph.facebook.com'), '/{version}/me', 0)).toBeUndefined()
  })
})
