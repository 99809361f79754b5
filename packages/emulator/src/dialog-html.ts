import type { AppRecord, UserRecord } from './state.js'

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

const STYLE = `
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;background:#f0f2f5;margin:0;color:#1c1e21}
header{background:#1877f2;color:#fff;padding:12px 24px;font-weight:700;font-size:20px}
main{max-width:480px;margin:32px auto;background:#fff;border-radius:8px;box-shadow:0 2px 8px rgba(0,0,0,.12);padding:24px}
h1{font-size:20px;margin:0 0 8px}p{color:#606770;margin:0 0 16px}
fieldset{border:1px solid #dddfe2;border-radius:6px;margin:0 0 16px;padding:8px 16px}
legend{font-weight:600;padding:0 4px}label{display:block;padding:6px 0}
.actions{display:flex;gap:8px;justify-content:flex-end}
button{font-size:15px;font-weight:600;border:0;border-radius:6px;padding:8px 20px;cursor:pointer}
.allow{background:#1877f2;color:#fff}.cancel{background:#e4e6eb;color:#050505}
.note{font-size:12px;color:#8a8d91;margin-top:16px}`

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><header>Graph API emulator</header><main>${body}</main></body></html>`
}

/** What the consent form carries back to the emulator. */
export interface ConsentForm {
  action: string
  app: AppRecord
  users: UserRecord[]
  scopes: string[]
  redirectUri: string
  state: string | null
  authType: string | null
}

/** The consent page: app name, scopes as checkboxes (untick to decline), user picker, Allow and Cancel. */
export function consentPage(form: ConsentForm): string {
  const hidden = (name: string, value: string | null) =>
    value === null ? '' : `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`
  const scopes = form.scopes
    .map((s) =>
      s === 'public_profile'
        ? `<label><input type="checkbox" checked disabled> ${escapeHtml(s)} (always granted)</label>`
        : `<label><input type="checkbox" name="grant" value="${escapeHtml(s)}" checked> ${escapeHtml(s)}</label>`,
    )
    .join('')
  const users = form.users
    .map(
      (u, i) =>
        `<label><input type="radio" name="user_id" value="${escapeHtml(u.id)}"${i === 0 ? ' checked' : ''}> ${escapeHtml(u.name)} <small>(${escapeHtml(u.id)})</small></label>`,
    )
    .join('')
  return page(
    `Log in to ${form.app.name}`,
    `<h1>${escapeHtml(form.app.name)} is requesting access</h1>
<p>Choose who to continue as and which permissions to grant. Untick a permission to decline it.</p>
<form method="post" action="${escapeHtml(form.action)}">
${hidden('client_id', form.app.id)}${hidden('redirect_uri', form.redirectUri)}${hidden('state', form.state)}${hidden('auth_type', form.authType)}${hidden('scope', form.scopes.join(','))}
<fieldset><legend>Continue as</legend>${users}</fieldset>
<fieldset><legend>Permissions</legend>${scopes}</fieldset>
<div class="actions"><button class="cancel" type="submit" name="decision" value="cancel">Cancel</button><button class="allow" type="submit" name="decision" value="allow">Allow</button></div>
</form>
<p class="note">Local emulator of the Facebook Login dialog. No real account is involved.</p>`,
  )
}

/** An error page of the dialog (bad client_id, blocked redirect_uri…). */
export function dialogErrorPage(title: string, detail: string): string {
  return page(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(detail)}</p>`)
}
