import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseBatch } from '../src/batch-parse.js'
import { evaluateJsonPath, jsonPathSegments, substituteReferences } from '../src/batch-references.js'
import { type FieldSpec, formatFields, parseFields } from '../src/field-expansion.js'
import { GraphError } from '../src/graph-errors.js'
import { parseIds } from '../src/routes/ids.js'
import { createFixture, type Json } from './fixture.js'

/**
 * Runs `parse`, which may answer or throw a Graph error, but nothing else, and without hanging (the bound
 * is loose: these inputs parse in milliseconds, but the machine may be busy).
 */
function onlyGraphErrors(parse: () => unknown, withinMs = 2000): void {
  const started = performance.now()
  try {
    parse()
  } catch (error) {
    if (!(error instanceof GraphError)) throw error
    expect(error.body.code).toBe(100)
  }
  expect(performance.now() - started).toBeLessThan(withinMs)
}

/** Strings over the characters that mean something to field expansion, and a few that do not. */
const fieldText = fc.string({
  unit: fc.constantFrom(...'ab_19.,{}() \n"é'.split(''), 'id', 'limit(', '.as('),
  maxLength: 120,
})

const name = fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/)
const specs: fc.Arbitrary<FieldSpec[]> = fc.letrec<{ list: FieldSpec[]; spec: FieldSpec }>((tie) => ({
  spec: fc.record({
    name,
    alias: fc.option(name, { nil: undefined }),
    modifiers: fc
      .uniqueArray(
        fc.tuple(
          name.filter((n) => n !== 'as'),
          fc.stringMatching(/^[a-z0-9_]{0,6}$/),
        ),
        {
          maxLength: 2,
          selector: ([key]) => key,
        },
      )
      .map((entries) => new Map(entries)),
    children: fc.option(tie('list'), { nil: undefined, depthSize: 'small' }),
  }),
  list: fc.array(tie('spec'), { minLength: 1, maxLength: 3 }),
})).list

describe('the parsers never crash and never hang', { timeout: 60_000 }, () => {
  it('field expansion: any text parses or is a code 100 syntax error', () => {
    fc.assert(
      fc.property(fc.oneof(fieldText, fc.string({ maxLength: 200 })), (text) =>
        onlyGraphErrors(() => parseFields(text)),
      ),
      {
        numRuns: 2000,
      },
    )
  })

  it('field expansion: what formatFields writes parses back to the same fields', () => {
    fc.assert(
      fc.property(
        specs.filter((list) => maxDepth(list) < 16),
        (list) => {
          expect(parseFields(formatFields(list))).toEqual(list)
        },
      ),
      { numRuns: 500 },
    )
  })

  it('field expansion: deep nesting and huge inputs are refused or parsed in linear time', () => {
    // The largest parameter a request can carry is the 1 MiB body: well under a second.
    onlyGraphErrors(() => parseFields('a{'.repeat(500_000)))
    onlyGraphErrors(() => parseFields(`${'a{'.repeat(15)}b${'}'.repeat(15)}`))
    onlyGraphErrors(() => parseFields('id,'.repeat(300_000)), 5000)
    onlyGraphErrors(() => parseFields(`a.limit(${'9'.repeat(1_000_000)}`), 5000)
    onlyGraphErrors(() => parseFields(`${'x'.repeat(1_000_000)}}`), 5000)
  })

  it('batch: any text or JSON value parses or is a code 100 error', () => {
    const requests = fc.array(
      fc.record(
        {
          method: fc.oneof(fc.constantFrom('GET', 'post', 'DELETE'), fc.anything()),
          relative_url: fc.oneof(fc.string(), fc.anything()),
          body: fc.oneof(fc.string(), fc.dictionary(fc.string(), fc.string()), fc.anything()),
          name: fc.oneof(fc.string(), fc.anything()),
          depends_on: fc.anything(),
          omit_response_on_success: fc.anything(),
        },
        { requiredKeys: [] },
      ),
      { maxLength: 60 },
    )
    const text = fc.oneof(
      fc.string(),
      fc.json(),
      requests.map((r) => JSON.stringify(r)),
    )
    fc.assert(
      fc.property(text, (raw) => onlyGraphErrors(() => parseBatch(raw))),
      { numRuns: 2000 },
    )
  })

  it('batch references: any text substitutes without throwing, any JSONPath evaluates', () => {
    const answer = fc.jsonValue()
    fc.assert(
      fc.property(fc.string(), fc.string(), answer, (text, path, json) => {
        substituteReferences(`${text}{result=x:$${path}}${text}`, () => json)
        const segments = jsonPathSegments(`$${path}`)
        if (segments !== undefined) expect(evaluateJsonPath(json, segments).length).toBeLessThanOrEqual(1000)
      }),
      { numRuns: 2000 },
    )
    const wide = { data: Array.from({ length: 5000 }, (_, i) => ({ id: String(i), tags: [1, 2, 3] })) }
    expect(substituteReferences('{result=x:$.data.*.tags.*}', () => wide).split(',')).toHaveLength(1000)
    expect(substituteReferences('{result=x:$.s}', () => ({ s: '\uD800,&' }))).toBe('%EF%BF%BD%2C%26')
  })

  it('ids: any text splits into distinct, non-empty names', () => {
    fc.assert(
      fc.property(fc.string(), (raw) => {
        const names = parseIds(raw)
        expect(new Set(names).size).toBe(names.length)
        for (const n of names) expect(n.trim()).toBe(n)
      }),
      { numRuns: 2000 },
    )
  })
})

function maxDepth(list: readonly FieldSpec[]): number {
  return Math.max(0, ...list.map((spec) => (spec.children === undefined ? 0 : 1 + maxDepth(spec.children))))
}

describe('over HTTP, no input makes the emulator fail or hang', { timeout: 60_000 }, () => {
  let f: Awaited<ReturnType<typeof createFixture>>
  let token = ''
  beforeAll(async () => {
    f = await createFixture({ requireProof: false, callBudgetPerHour: 1_000_000 })
    token = f.emu.issueUserToken({
      appId: f.app.id,
      userId: f.user.id,
      scopes: ['email', 'pages_show_list', 'pages_manage_posts'],
      lifetime: 'long',
    })
  })
  afterAll(() => f.emu.close())

  /** Every answer is Graph's: a 2xx/302 or a Graph error that is not an internal one (code 1), in time. */
  async function answers(init: { path: string; params: Record<string, string>; post?: boolean }): Promise<void> {
    const body = new URLSearchParams({ access_token: token, ...init.params }).toString()
    const res = await fetch(init.post ? `${f.emu.url}${init.path}` : `${f.emu.url}${init.path}?${body}`, {
      method: init.post ? 'POST' : 'GET',
      headers: init.post ? { 'content-type': 'application/x-www-form-urlencoded' } : {},
      body: init.post ? body : undefined,
      redirect: 'manual',
      signal: AbortSignal.timeout(5000),
    })
    const text = await res.text()
    if (res.status === 302) return
    const json = JSON.parse(text) as Json
    if (res.status === 200) return
    expect(res.status).toBeGreaterThanOrEqual(400)
    expect(json.error?.code).not.toBe(1)
    const www = res.headers.get('www-authenticate')
    if (www !== null) expect(www.length).toBeLessThan(700)
  }

  it('fields on /me, on a Page and on /me/accounts', async () => {
    const paths = fc.constantFrom('/me', `/${f.pages[0]?.id}`, '/me/accounts', '/v2.3/me', '/me/picture')
    await fc.assert(
      fc.asyncProperty(paths, fc.oneof(fieldText, fc.string()), async (path, fields) => {
        await answers({ path, params: { fields }, post: path === '/me' && fields.length > 100 })
      }),
      { numRuns: 300 },
    )
  })

  it('ids', async () => {
    const id = fc.oneof(fc.constantFrom('me', f.user.id, f.pages[0]?.id ?? '', '0', 'zuck'), fc.string())
    await fc.assert(
      fc.asyncProperty(fc.array(id, { maxLength: 60 }), fieldText, async (ids, fields) => {
        await answers({ path: '/', params: { ids: ids.join(','), fields } })
      }),
      { numRuns: 200 },
    )
  })

  it('batch', async () => {
    const relative = fc.oneof(
      fc.constantFrom(
        'me',
        'me/accounts',
        '?ids=me',
        '{result=a:$.data.*.id}',
        'me/permissions/email',
        '/',
        'v2.3/me',
        '%E0%A4%A',
      ),
      fc.string(),
    )
    const request = fc.record(
      {
        method: fc.constantFrom('GET', 'POST', 'DELETE', 'PUT'),
        relative_url: relative,
        body: fc.oneof(fc.string(), fc.constantFrom('message=hi', 'method=delete', 'batch=[]')),
        name: fc.constantFrom('a', 'b'),
        depends_on: fc.constantFrom('a', 'b', 'c'),
        omit_response_on_success: fc.boolean(),
      },
      { requiredKeys: ['relative_url'] },
    )
    const batch = fc.oneof(
      fc.array(request, { maxLength: 8 }).map((r) => JSON.stringify(r)),
      fc.string(),
      fc.json(),
    )
    await fc.assert(
      fc.asyncProperty(batch, async (raw) => {
        await answers({ path: '/', params: { batch: raw }, post: true })
      }),
      { numRuns: 300 },
    )
    // Still serving after all that.
    expect((await f.get('/me', { access_token: token })).json.id).toBe(f.user.id)
  })
})
