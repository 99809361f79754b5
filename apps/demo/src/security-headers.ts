import helmet from 'helmet'
import { STYLE_SOURCE } from './html.js'

/**
 * The web app's security headers (helmet): a CSP that runs no script at all and allows only the
 * layout's one inline style (by hash), forms that post to this origin only, no framing by anyone
 * (`frame-ancestors 'none'` and `X-Frame-Options: DENY`), `nosniff`, no `Referer` to other origins (the
 * dashboard's URLs stay private; `no-referrer` would also turn our own forms' `Origin` into `null`), and
 * HSTS behind HTTPS.
 */
export function securityHeaders(https: boolean) {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'none'"],
        'style-src': [STYLE_SOURCE],
        'img-src': ["'self'"],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
        'base-uri': ["'none'"],
      },
    },
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'same-origin' },
    strictTransportSecurity: https ? { maxAge: 180 * 86_400 } : false,
  })
}
