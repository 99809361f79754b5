import { GraphError } from './graph-errors.js'

/**
 * One requested field of `fields=`: `accounts.limit(2){id,name}.as(pages)` is the field `accounts` with the
 * modifiers `limit` = `2` and `as` = `pages`, and two child fields.
 */
export interface FieldSpec {
  name: string
  /** `.as(alias)`: the key the field is answered under. */
  alias: string | undefined
  /** `.name(argument)` modifiers other than `as`, e.g. `limit` → `'2'`, `type` → `'large'`. */
  modifiers: Map<string, string>
  /** `{…}`: the fields of the field's object or of a connection's entries; `undefined` when not given. */
  children: FieldSpec[] | undefined
}

/** How deep `a{b{c{…}}}` may nest. */
export const MAX_FIELD_DEPTH = 16

const NAME = /[A-Za-z0-9_]/
const ALIAS = /^[A-Za-z0-9_]{1,64}$/

function describe(char: string | undefined): string {
  return char === undefined ? 'end of string' : `"${char}"`
}

class Parser {
  #at = 0

  constructor(private readonly text: string) {}

  #fail(expected: string): never {
    const found = describe(this.text[this.#at])
    throw GraphError.oauth(
      100,
      `(#100) Syntax error "Expected ${expected} instead of ${found}." at character ${this.#at}: ${this.text}`,
    )
  }

  #skipSpaces(): void {
    while (this.text[this.#at] === ' ') this.#at += 1
  }

  #name(): string {
    const start = this.#at
    while (this.#at < this.text.length && NAME.test(this.text[this.#at] as string)) this.#at += 1
    if (this.#at === start) this.#fail('a field name')
    return this.text.slice(start, this.#at)
  }

  #argument(): string {
    // `(` already read: everything up to the closing parenthesis, which may not nest.
    const start = this.#at
    while (this.#at < this.text.length && !'(){}'.includes(this.text[this.#at] as string)) this.#at += 1
    if (this.text[this.#at] !== ')') this.#fail('")"')
    const value = this.text.slice(start, this.#at)
    this.#at += 1
    return value.trim()
  }

  #field(depth: number): FieldSpec {
    const spec: FieldSpec = { name: this.#name(), alias: undefined, modifiers: new Map(), children: undefined }
    for (;;) {
      this.#skipSpaces()
      const char = this.text[this.#at]
      if (char === '.') {
        this.#at += 1
        const modifier = this.#name()
        if (this.text[this.#at] !== '(') this.#fail('"("')
        this.#at += 1
        const argument = this.#argument()
        if (modifier === 'as') {
          if (!ALIAS.test(argument)) throw GraphError.oauth(100, `(#100) Invalid alias: ${argument}`)
          spec.alias = argument
        } else {
          spec.modifiers.set(modifier, argument)
        }
      } else if (char === '{') {
        if (spec.children !== undefined) this.#fail('"," or "}"')
        if (depth + 1 >= MAX_FIELD_DEPTH) {
          throw GraphError.oauth(100, `(#100) Field expansion nests deeper than ${MAX_FIELD_DEPTH} levels`)
        }
        this.#at += 1
        spec.children = this.list(depth + 1)
        if (this.text[this.#at] !== '}') this.#fail('"}"')
        this.#at += 1
      } else {
        return spec
      }
    }
  }

  /** A comma-separated list of fields, up to the end or a closing brace (not consumed). */
  list(depth: number): FieldSpec[] {
    const fields: FieldSpec[] = []
    for (;;) {
      this.#skipSpaces()
      const char = this.text[this.#at]
      if (char === undefined || char === '}') return fields
      if (char !== ',') fields.push(this.#field(depth))
      this.#skipSpaces()
      const next = this.text[this.#at]
      if (next === ',') this.#at += 1
      else if (next !== undefined && next !== '}') this.#fail('"," or "}"')
    }
  }

  end(): void {
    if (this.#at < this.text.length) this.#fail('end of string')
  }
}

/**
 * Parses a `fields` parameter with Graph's field expansion: `id,accounts.limit(2){id,name}`, nested
 * braces, `.modifier(argument)` and `.as(alias)`. Empty entries (`id,,name`) are skipped. Malformed input
 * is Graph's code 100 "Syntax error". Linear in the input's length; nesting is bounded by
 * {@link MAX_FIELD_DEPTH}.
 */
export function parseFields(text: string): FieldSpec[] {
  const parser = new Parser(text)
  const fields = parser.list(0)
  parser.end()
  return fields
}

/** The `fields` text of specs, e.g. for a connection field's `paging.next` link. */
export function formatFields(specs: readonly FieldSpec[]): string {
  return specs
    .map((spec) => {
      let text = spec.name
      for (const [name, argument] of spec.modifiers) text += `.${name}(${argument})`
      if (spec.children !== undefined) text += `{${formatFields(spec.children)}}`
      if (spec.alias !== undefined) text += `.as(${spec.alias})`
      return text
    })
    .join(',')
}

/** The `fields` parameter of a request, parsed; `null` when it is absent or blank (the node's defaults). */
export function requestedFields(params: URLSearchParams): FieldSpec[] | null {
  const raw = params.get('fields')
  if (raw === null || raw.trim() === '') return null
  return parseFields(raw)
}
