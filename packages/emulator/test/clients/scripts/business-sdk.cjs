// Runs Meta's facebook-nodejs-business-sdk through the flows it offers, in a process started with
// HTTPS_PROXY (axios's documented proxy setting) pointing at the graph interceptor and NODE_EXTRA_CA_CERTS
// trusting its certificate: the SDK itself is untouched and still calls https://graph.facebook.com.
// Input: the JSON of EMULATOR_SCENARIO. Output: one JSON line of what each flow saw.
const { FacebookAdsApi, FacebookAdsApiBatch, Page, User } = require('facebook-nodejs-business-sdk')

const scenario = JSON.parse(process.env.EMULATOR_SCENARIO)
const seen = {}

/** What a FacebookRequestError carries: the HTTP status and Graph's error object. */
function failure(error) {
  return { name: error.name, status: error.status, error: error.response }
}

async function main() {
  // crash_log: false, so that the SDK does not install its crash reporter.
  const api = new FacebookAdsApi(scenario.userToken, 'en_US', false)
  seen.version = FacebookAdsApi.VERSION
  // getAppID() resolves with axios's whole response.
  seen.appId = (await api.getAppID()).data

  const me = await new User('me', {}, undefined, api).get(['id', 'name', 'email', 'picture'])
  seen.me = me._data

  const accounts = await new User('me', {}, undefined, api).getAccounts(['id', 'name', 'access_token'], { limit: 2 })
  seen.firstPage = accounts.map((page) => page._data.id)
  seen.next = accounts.paging?.next
  seen.hasNext = accounts.hasNext()
  await accounts.next()
  seen.secondPage = accounts.map((page) => page._data.id)
  seen.hasNextAfter = accounts.hasNext()

  const pageToken = (await new User('me', {}, undefined, api).getAccounts(['access_token'], { limit: 1 }))[0]._data
    .access_token
  const pageApi = new FacebookAdsApi(pageToken, 'en_US', false)
  const post = await new Page(scenario.pageId, {}, undefined, pageApi).createFeed([], { message: 'Hello from the SDK' })
  seen.post = post._data
  seen.feed = (await new Page(scenario.pageId, {}, undefined, pageApi).getFeed(['message'])).map((p) => p._data)

  seen.batch = await new Promise((resolve, reject) => {
    const answers = []
    const batch = new FacebookAdsApiBatch(api)
    const record = (index) => (response) => {
      answers[index] = { status: response.status, body: response.body }
    }
    batch.add('GET', 'me', { fields: 'id,name' }, null, record(0), record(0))
    batch.add('GET', ['me', 'accounts'], { limit: 1, fields: 'id' }, null, record(1), record(1))
    batch.add('GET', 'me/nothing', {}, null, record(2), record(2))
    batch.execute().then(() => resolve(answers), reject)
  })

  const expired = new FacebookAdsApi(scenario.expiredToken, 'en_US', false)
  seen.expired = await new User('me', {}, undefined, expired).get(['id']).then(
    () => 'still valid',
    (error) => failure(error),
  )

  seen.permissions = (await new User('me', {}, undefined, api).getPermissions(['permission', 'status'])).map(
    (p) => p._data,
  )
  seen.removed = await new User('me', {}, undefined, api).deletePermissions({})
  seen.afterRemoval = await new User('me', {}, undefined, api).get(['id']).then(
    () => 'still valid',
    (error) => failure(error),
  )
}

main().then(
  () => process.stdout.write(`${JSON.stringify(seen)}\n`),
  (error) => {
    process.stdout.write(`${JSON.stringify({ ...seen, crashed: String(error?.stack || error?.message || error) })}\n`)
    process.exitCode = 1
  },
)
