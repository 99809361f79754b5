import type { Caller } from '../caller.js'
import type { Services } from '../context.js'
import { type NodeType, type RenderContext, renderNode } from '../fields.js'
import { type Connection, type ConnectionQuery, fieldQuery, pageItems } from '../paging.js'
import { pictureField } from '../picture.js'
import { canManagePage, notPageAdmin } from '../routes/subjects.js'
import type { FeedPost, PageRecord } from '../state.js'

/** A Page as one caller sees it; `token` is set on the entries of `/me/accounts` (their Page token). */
export interface PageView {
  page: PageRecord
  token?: string
}

/** The Page token a caller gets for `fields=access_token`, or Graph's refusal. */
function pageAccessToken(page: PageRecord, caller: Caller, services: Services): string {
  if (!canManagePage(caller, page) || caller.kind === 'app') throw notPageAdmin()
  if (caller.record.type === 'PAGE') return caller.raw
  return services.tokens.derivedPageToken(caller.record, page.id).value
}

const POST_FIELDS = ['id', 'message', 'created_time']

/** A post of a Page's feed with the requested fields (`id` always). */
export const POST: NodeType<FeedPost> = {
  name: 'Post',
  defaults: POST_FIELDS,
  fields: {
    id: (post) => post.id,
    message: (post) => post.message,
    created_time: (post) => post.created_time,
  },
}

/** The Page's posts, newest first, cursor-paged. */
export function feedConnection(page: PageRecord, ctx: RenderContext, query: ConnectionQuery): Connection {
  const posts = [...page.feed].reverse()
  const { slice, paging } = pageItems(posts, (post) => post.id, query)
  const data = slice.map((post) => renderNode(POST, post, ctx, query.fields))
  return paging === undefined ? { data } : { data, paging }
}

/** The Page node: its fields, and `feed` as a connection field for those who manage it. */
export const PAGE: NodeType<PageView> = {
  name: 'Page',
  defaults: ['name', 'id'],
  fields: {
    id: ({ page }) => page.id,
    name: ({ page }) => page.name,
    category: ({ page }) => page.category,
    category_list: ({ page }) => [{ id: '2500', name: page.category }],
    about: ({ page }) => page.fields.about,
    fan_count: ({ page }) => page.fields.fanCount ?? 0,
    link: ({ page }) => page.fields.link ?? `https://www.facebook.com/${page.fields.username ?? page.id}`,
    username: ({ page }) => page.fields.username,
    picture: ({ page }, ctx, spec) => pictureField(page.fields.pictureUrl, ctx.req.origin, spec),
    tasks: ({ page, token }, ctx) =>
      token !== undefined || canManagePage(ctx.caller, page) ? ctx.services.directory.tasks() : undefined,
    access_token: ({ page, token }, ctx) => token ?? pageAccessToken(page, ctx.caller, ctx.services),
  },
  connections: {
    feed: ({ page }, ctx, spec) =>
      canManagePage(ctx.caller, page)
        ? feedConnection(page, ctx, fieldQuery(ctx.req, ctx.services, page.id, spec))
        : undefined,
  },
}
