import type { Caller } from '../caller.js'
import type { Services } from '../context.js'
import type { FieldSpec } from '../field-expansion.js'
import { type NodeType, type RenderContext, renderNode } from '../fields.js'
import { GraphError, unknownObject } from '../graph-errors.js'
import { noCurrentUser } from '../routes/subjects.js'
import type { AppRecord, PageRecord, UserRecord } from '../state.js'
import { PAGE } from './page-node.js'
import { USER } from './user-node.js'

/** A node a path or an `ids` entry names, as the caller may see it. */
export type ResolvedNode =
  | { type: 'user'; user: UserRecord }
  | { type: 'page'; page: PageRecord }
  | { type: 'app'; app: AppRecord }

/** The Application node (what the emulator knows of an app). */
export const APPLICATION: NodeType<AppRecord> = {
  name: 'Application',
  defaults: ['name', 'id'],
  fields: {
    id: (app) => app.id,
    name: (app) => app.name,
    link: (app) => `https://www.facebook.com/games/?app_id=${app.id}`,
  },
}

/** Graph's answer to names that are neither ids nor known aliases. */
export function aliasesDoNotExist(names: readonly string[]): GraphError {
  return GraphError.oauth(803, `(#803) Some of the aliases you requested do not exist: ${names.join(',')}`)
}

/** Whether a path segment or an `ids` entry can name a node: `me` or a numeric id. */
export function isNodeName(name: string): boolean {
  return name === 'me' || /^\d+$/.test(name)
}

/**
 * The node `name` (`me` or an id) names for this caller: `me` is the token's user or Page; a Page is
 * visible to every caller, a user to an app token and to themselves; anything else does not exist.
 */
export function resolveNode(name: string, caller: Caller, services: Services, method: string): ResolvedNode {
  if (!isNodeName(name)) throw aliasesDoNotExist([name])
  if (name === 'me') {
    if (caller.kind === 'app') throw noCurrentUser()
    const { record } = caller
    if (record.type === 'PAGE' && record.pageId) return { type: 'page', page: services.directory.page(record.pageId) }
    return { type: 'user', user: services.directory.user(record.userId) }
  }
  const page = services.directory.pages.get(name)
  if (page) return { type: 'page', page }
  const user = services.directory.users.get(name)
  const self = caller.kind === 'app' || (caller.record.type !== 'PAGE' && caller.record.userId === name)
  if (user && self) return { type: 'user', user }
  const app = services.directory.apps.get(name)
  if (app) return { type: 'app', app }
  throw unknownObject(method, name)
}

/** The node type's name, for "nonexisting field … on node type (…)". */
export function nodeTypeName(node: ResolvedNode): string {
  switch (node.type) {
    case 'user':
      return USER.name
    case 'page':
      return PAGE.name
    case 'app':
      return APPLICATION.name
    default: {
      const unknown: never = node
      throw new TypeError(`unhandled node ${String(unknown)}`)
    }
  }
}

/** A resolved node with the requested fields. */
export function renderResolved(node: ResolvedNode, ctx: RenderContext, fields: FieldSpec[] | null) {
  switch (node.type) {
    case 'user':
      return renderNode(USER, node.user, ctx, fields)
    case 'page':
      return renderNode(PAGE, { page: node.page }, ctx, fields)
    case 'app':
      return renderNode(APPLICATION, node.app, ctx, fields)
    default: {
      const unknown: never = node
      throw new TypeError(`unhandled node ${String(unknown)}`)
    }
  }
}
