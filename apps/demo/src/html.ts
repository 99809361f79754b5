import { createHash } from 'node:crypto'

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;')
}

const STYLE = `
:root { color-scheme: light; --blue: #1877f2; --ink: #1c1e21; --muted: #65676b; --line: #dadde1; --bg: #f0f2f5; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
header { background: #fff; border-bottom: 1px solid var(--line); padding: 12px 24px; display: flex; align-items: center; gap: 12px; }
header .logo { font-weight: 700; color: var(--blue); font-size: 20px; }
header .spacer { flex: 1; }
main { max-width: 920px; margin: 24px auto; padding: 0 16px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 20px 24px; margin-bottom: 16px; }
h1 { font-size: 24px; margin: 0 0 8px; } h2 { font-size: 18px; margin: 0 0 12px; }
.muted { color: var(--muted); }
.button { display: inline-block; border: 0; border-radius: 6px; padding: 10px 18px; font: inherit; font-weight: 600; cursor: pointer; text-decoration: none; }
.primary { background: var(--blue); color: #fff; } .secondary { background: #e4e6eb; color: var(--ink); }
.notice { border-left: 4px solid var(--blue); padding: 10px 14px; background: #e7f3ff; border-radius: 6px; margin-bottom: 16px; }
.warning { border-left-color: #f0a500; background: #fff8e1; }
dl { display: grid; grid-template-columns: 200px 1fr; gap: 6px 16px; margin: 0; } dt { color: var(--muted); } dd { margin: 0; }
code { font: 13px ui-monospace, SFMono-Regular, Menlo, monospace; background: var(--bg); padding: 1px 6px; border-radius: 4px; }
.chips span { display: inline-block; background: #e7f3ff; color: #0a4da3; border-radius: 999px; padding: 1px 10px; margin: 2px 4px 2px 0; font-size: 13px; }
.chips span.declined { background: #fde8e8; color: #a31a1a; text-decoration: line-through; }
.pages { display: grid; gap: 12px; } .page { border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; }
.page form { display: flex; gap: 8px; margin-top: 10px; } .page input[type=text] { flex: 1; padding: 8px 10px; border: 1px solid var(--line); border-radius: 6px; font: inherit; }
ul.posts { margin: 8px 0 0; padding-left: 18px; }
`

/** The CSP source of the one inline `<style>`: the pages run no script, and style only from this hash. */
export const STYLE_SOURCE = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`

/** The hidden field that carries the session's CSRF token in every form that changes something. */
export function csrfField(csrf: string): string {
  return `<input type="hidden" name="_csrf" value="${escapeHtml(csrf)}">`
}

/** A whole page in the demo's layout; with a signed-in `user`, the header shows her and a logout form. */
export function layout(title: string, body: string, user?: { name: string; csrf: string }): string {
  const session = user
    ? `<span class="muted">Signed in as <strong>${escapeHtml(user.name)}</strong></span>
       <form method="post" action="/logout">${csrfField(user.csrf)}<button class="button secondary" type="submit">Log out</button></form>`
    : ''
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)} · tokens demo</title><style>${STYLE}</style></head>
<body><header><span class="logo">tokens</span><span class="muted">demo</span><span class="spacer"></span>${session}</header>
<main>${body}</main></body></html>`
}
