// Runs fb (the "facebook-node-sdk") through the flows it offers. fb hard-codes https://graph.facebook.com,
// so it is pointed at the emulator by its documented `proxy` option: the graph interceptor, whose
// certificate this process trusts through NODE_EXTRA_CA_CERTS. Input: the JSON of EMULATOR_SCENARIO.
// Output: one JSON line of what each flow saw.
const { Facebook, FacebookApiException } = require('fb')

const scenario = JSON.parse(process.env.EMULATOR_SCENARIO)
const seen = {}

/** The answer of a call, or what the rejection of fb's promise interface carries. */
function settle(promise) {
  return promise.then(
    (answer) => ({ answer }),
    (error) => ({ rejected: error instanceof FacebookApiException, error: error.response?.error }),
  )
}

async function main() {
  // fb's own options: the proxy, the app, and its default version (v2.3, retired: served as the oldest).
  const fb = new Facebook({
    proxy: scenario.proxy,
    appId: scenario.appId,
    appSecret: scenario.appSecret,
    timeout: 10_000,
  })
  seen.loginUrl = fb.getLoginUrl({ scope: 'email,pages_show_list', redirect_uri: scenario.redirectUri })

  const short = await fb.api('oauth/access_token', {
    client_id: scenario.appId,
    client_secret: scenario.appSecret,
    redirect_uri: scenario.redirectUri,
    code: scenario.code,
  })
  seen.short = { token_type: short.token_type, expires_in: short.expires_in }
  const long = await fb.api('oauth/access_token', {
    client_id: scenario.appId,
    client_secret: scenario.appSecret,
    grant_type: 'fb_exchange_token',
    fb_exchange_token: short.access_token,
  })
  seen.long = { token_type: long.token_type, expires_in: long.expires_in }

  // appsecret_proof is computed by fb for every call with its appSecret option.
  const user = fb.extend({ accessToken: long.access_token, appSecretProof: null })
  const proofed = (params) => ({ ...params, access_token: long.access_token })
  seen.me = await user.api('me', proofed({ fields: 'id,name,email,picture.type(large)' }))

  const first = await user.api('me/accounts', proofed({ limit: 2, fields: 'id,name,access_token' }))
  seen.firstPage = first.data.map((page) => page.id)
  seen.next = first.paging.next
  // Paging: the next link's path, on the version it names.
  const second = await user.api(first.paging.next.replace('https://graph.facebook.com/', ''))
  seen.secondPage = second.data.map((page) => page.id)
  seen.secondHasNext = Boolean(second.paging.next)

  const pageToken = (await user.api(scenario.pageId, proofed({ fields: 'access_token' }))).access_token
  seen.post = await fb.api(`${scenario.pageId}/feed`, 'post', { message: 'Hello from fb', access_token: pageToken })

  seen.batch = await fb.api('', 'post', {
    access_token: long.access_token,
    batch: [
      { method: 'get', relative_url: 'me?fields=id,name' },
      { method: 'get', relative_url: 'me/accounts?limit=1', name: 'one-page' },
      { method: 'get', relative_url: '{result=one-page:$.data.0.id}/feed?limit=5' },
    ],
  })

  seen.permissions = await user.api('me/permissions', proofed({}))
  seen.revokeEmail = await user.api('me/permissions/email', 'delete', proofed({}))
  seen.meAfterRevoke = await user.api('me', proofed({ fields: 'id,email' }))

  const expired = await settle(fb.api('me', { access_token: scenario.expiredToken }))
  seen.expired = expired
  seen.expiredCallback = await new Promise((resolve) => fb.api('me', { access_token: scenario.expiredToken }, resolve))

  seen.removeApp = await user.api('me/permissions', 'delete', proofed({}))
  seen.afterRemoval = await settle(user.api('me', proofed({})))
}

main().then(
  () => process.stdout.write(`${JSON.stringify(seen)}\n`),
  (error) => {
    const detail = error?.response ? JSON.stringify(error.response) : String(error?.stack || error)
    process.stdout.write(`${JSON.stringify({ ...seen, crashed: detail })}\n`)
    process.exitCode = 1
  },
)
