import type { Caller } from './caller.js'
import type { GraphRequest, Services } from './context.js'
import type { FieldSpec } from './field-expansion.js'
import { GraphError } from './graph-errors.js'

/** What a field resolver sees: the request, the emulator's state and the verified caller. */
export interface RenderContext {
  req: GraphRequest
  services: Services
  caller: Caller
}

/**
 * A field of a node type: its value for this caller, or `undefined` to leave it out of the answer (no
 * value, or a permission the caller lacks). Throws the Graph error when asking for it is an error.
 */
export type FieldResolver<T> = (node: T, ctx: RenderContext, spec: FieldSpec) => unknown

/**
 * A node type: its name in error messages, its default fields, its fields and its connections (edges that
 * can also be requested as fields, answering `{data, paging}`).
 */
export interface NodeType<T> {
  name: string
  defaults: readonly string[]
  fields: Readonly<Record<string, FieldResolver<T>>>
  connections?: Readonly<Record<string, FieldResolver<T>>>
}

/** Graph's answer to a field (or edge) a node type does not have. */
export function nonexistingField(name: string, nodeType: string): GraphError {
  return GraphError.oauth(100, `(#100) Tried accessing nonexisting field (${name}) on node type (${nodeType})`)
}

/** A field asked for by name only. */
export function plainField(name: string): FieldSpec {
  return { name, alias: undefined, modifiers: new Map(), children: undefined }
}

/** Sets `key` as an own property, even `__proto__`. */
export function put(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
}

function own<T>(table: Readonly<Record<string, T>> | undefined, name: string): T | undefined {
  return table !== undefined && Object.hasOwn(table, name) ? table[name] : undefined
}

/** Whether a node type has `name` as a field or a connection. */
export function hasField<T>(type: NodeType<T>, name: string): boolean {
  return own(type.fields, name) !== undefined || own(type.connections, name) !== undefined
}

/**
 * A node as a caller sees it: the requested fields (the defaults when `specs` is `null`), each under its
 * alias, with `id` always included. A field the type does not have is code 100 "nonexisting field".
 */
export function renderNode<T>(
  type: NodeType<T>,
  node: T,
  ctx: RenderContext,
  specs: readonly FieldSpec[] | null,
  defaults: readonly string[] = type.defaults,
): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const spec of specs ?? defaults.map(plainField)) {
    const resolver = own(type.fields, spec.name) ?? own(type.connections, spec.name)
    if (resolver === undefined) throw nonexistingField(spec.name, type.name)
    const value = resolver(node, ctx, spec)
    if (value !== undefined) put(out, spec.alias ?? spec.name, value)
  }
  const id = own(type.fields, 'id')
  if (!Object.hasOwn(out, 'id') && id !== undefined) {
    const value = id(node, ctx, plainField('id'))
    if (value !== undefined) put(out, 'id', value)
  }
  return out
}

/**
 * The sub-fields `{a,b}` of an object-valued field (`age_range{min}`, `location{name}`): the named keys,
 * in order; a key the object's type does not have is "nonexisting field" on `typeName`.
 */
export function selectObject(
  value: Record<string, unknown>,
  spec: FieldSpec,
  known: readonly string[],
  typeName: string,
): Record<string, unknown> {
  if (spec.children === undefined) return value
  const out: Record<string, unknown> = {}
  for (const child of spec.children) {
    if (!known.includes(child.name)) throw nonexistingField(child.name, typeName)
    if (value[child.name] !== undefined) put(out, child.alias ?? child.name, value[child.name])
  }
  return out
}
