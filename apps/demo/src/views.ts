import type { PageToken, UserToken } from '@tokens/core'
import type { ErrorAnswer } from './error-page.js'
import { csrfField, escapeHtml, layout } from './html.js'

/** What the dashboard shows. */
export interface DashboardModel {
  user: { id: string; name: string }
  userToken: UserToken | undefined
  pages: PageToken[]
  /** Page names by id, as Graph gives them. */
  names: Map<string, string>
  declined: string[]
  feeds: Map<string, string[]>
  notice: string | undefined
  apis: { express: string; nest: string; fastify: string }
  /** The session's CSRF token, in every form. */
  csrf: string
}

function when(date: Date | null): string {
  return date === null
    ? 'never'
    : date
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, ' UTC')
}

function chips(scopes: readonly string[], declined: readonly string[] = []): string {
  const granted = scopes.map((s) => `<span>${escapeHtml(s)}</span>`)
  const refused = declined.map((s) => `<span class="declined" title="declined">${escapeHtml(s)}</span>`)
  return `<div class="chips">${[...granted, ...refused].join('')}</div>`
}

/** The landing page: one button. */
export function homePage(notice?: string): string {
  const banner = notice ? `<div class="notice warning">${escapeHtml(notice)}</div>` : ''
  return layout(
    'Welcome',
    `${banner}<div class="card"><h1>Facebook tokens, first-class</h1>
<p class="muted">Log in with the local Graph emulator: the app receives a login code, exchanges it for a
long-lived user token, fetches the Page tokens of your Pages and keeps them in SQLite, encrypted-ready and
never printed raw.</p>
<p><a class="button primary" href="/auth/facebook">Log in with Facebook</a></p></div>`,
  )
}

function pageCard(page: PageToken, name: string, feed: string[], csrf: string): string {
  const posts = feed.length
    ? `<ul class="posts">${feed.map((m) => `<li>${escapeHtml(m)}</li>`).join('')}</ul>`
    : '<p class="muted">No posts yet.</p>'
  return `<div class="page" data-page-id="${escapeHtml(page.pageId)}">
<strong>${escapeHtml(name)}</strong> <span class="muted">Page ${escapeHtml(page.pageId)}</span>
<dl><dt>Page token</dt><dd><code>${escapeHtml(String(page))}</code></dd>
<dt>Lifetime</dt><dd>${escapeHtml(page.lifetime)} (expires ${escapeHtml(when(page.expiresAt))})</dd>
<dt>Tasks</dt><dd>${escapeHtml((page.tasks ?? []).join(', ') || '—')}</dd></dl>
<form method="post" action="/pages/${escapeHtml(page.pageId)}/posts">${csrfField(csrf)}
<input type="text" name="message" required maxlength="500" placeholder="Write a post as this Page" aria-label="Message">
<button class="button primary" type="submit">Post to Page</button></form>${posts}</div>`
}

/** The dashboard: the typed user token, the Pages and their tokens, and a Page action. */
export function dashboardPage(model: DashboardModel): string {
  const notice = model.notice ? `<div class="notice">${escapeHtml(model.notice)}</div>` : ''
  if (model.userToken === undefined) {
    return layout(
      'Dashboard',
      `${notice}<div class="card" id="revoked"><h1>No tokens</h1><p>This app holds no token for you any more
(you removed the app, or its tokens were revoked). <a href="/auth/facebook">Log in again</a>.</p></div>`,
      { name: model.user.name, csrf: model.csrf },
    )
  }
  const token = model.userToken
  const rerequest = model.declined.length
    ? `<p>You declined ${escapeHtml(model.declined.join(', '))}. <a class="button secondary" href="/auth/facebook/rerequest">Grant again</a></p>`
    : ''
  const pages = model.pages.length
    ? `<div class="pages">${model.pages.map((p) => pageCard(p, model.names.get(p.pageId) ?? p.pageId, model.feeds.get(p.pageId) ?? [], model.csrf)).join('')}</div>`
    : '<p class="muted" id="no-pages">No Page tokens: grant <code>pages_show_list</code> to see your Pages.</p>'
  return layout(
    'Dashboard',
    `${notice}<div class="card" id="user-token"><h1>Hello, ${escapeHtml(model.user.name)}</h1>
<dl><dt>User token</dt><dd><code>${escapeHtml(String(token))}</code></dd>
<dt>Type</dt><dd>${escapeHtml(token.type)} · user ${escapeHtml(token.userId)}</dd>
<dt>Lifetime</dt><dd>${escapeHtml(token.lifetime)}</dd>
<dt>Expires</dt><dd>${escapeHtml(when(token.expiresAt))}</dd>
<dt>Data access until</dt><dd>${escapeHtml(when(token.dataAccessExpiresAt))}</dd>
<dt>Scopes</dt><dd id="scopes">${chips(token.scopes, model.declined)}</dd></dl>${rerequest}</div>
<div class="card"><h2>Your Pages</h2>${pages}</div>
<div class="card"><h2>The same tokens on an API</h2><p class="muted">Express at <code>${escapeHtml(model.apis.express)}</code>,
NestJS at <code>${escapeHtml(model.apis.nest)}</code> and Fastify at <code>${escapeHtml(model.apis.fastify)}</code> verify
bearer tokens with <code>@tokens/express</code>, <code>@tokens/nest</code> and <code>@tokens/fastify</code>: see the
<code>curl</code> lines printed by <code>pnpm demo</code>.</p></div>`,
    { name: model.user.name, csrf: model.csrf },
  )
}

/** An error page: its title and a sentence, never the error itself. */
export function errorPage(answer: ErrorAnswer): string {
  const retry =
    answer.retryAfterSeconds === undefined
      ? ''
      : `<p class="muted">Try again in ${escapeHtml(answer.retryAfterSeconds)} seconds.</p>`
  return layout(
    answer.title,
    `<div class="card" id="error"><h1>${escapeHtml(answer.title)}</h1><p>${escapeHtml(answer.message)}</p>${retry}
<p><a href="/">Back to the start</a></p></div>`,
  )
}
