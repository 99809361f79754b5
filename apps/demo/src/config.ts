/**
 * Where the demo runs and which Meta app it uses. With no environment at all it starts the Graph
 * emulator and seeds it; with `FB_APP_ID` and `FB_APP_SECRET` (and `GRAPH_URL` unset) the same apps
 * run against the real Graph API, so this doubles as a production template.
 */
export interface DemoConfig {
  /** Start and seed the emulator (no `FB_APP_ID` given). */
  emulator: boolean
  appId: string | undefined
  appSecret: string | undefined
  /** `undefined`: the emulator's URL, or the real Graph API when an app is configured. */
  graphUrl: string | undefined
  /** Base of the login dialog; the emulator serves one too. */
  dialogUrl: string | undefined
  /** Ports; `0` picks free ones. */
  ports: { emulator: number; web: number; express: number; nest: number; fastify: number }
  /** Host the servers bind to. */
  host: string
  /**
   * Public base URL of the web app (`https://demo.example.com`), behind which the login callback, the
   * deauthorize and data deletion callbacks and the deletion status page live. `undefined`:
   * `http://localhost:{port}`.
   */
  publicUrl: string | undefined
  /** SQLite file of the token store. */
  database: string
  /** Secret of the login session cookie. */
  sessionSecret: string
  /** Print the core's OpenTelemetry spans to the console (`--otel` or `TOKENS_DEMO_OTEL=1`). */
  printSpans: boolean
}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = env[name]
  if (value === undefined || value === '') return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new TypeError(`${name} must be a port number, got '${value}'`)
  return n
}

function publicUrl(env: NodeJS.ProcessEnv): string | undefined {
  const value = env.PUBLIC_URL
  if (value === undefined || value === '') return undefined
  const url = URL.canParse(value) ? new URL(value) : undefined
  if (
    url === undefined ||
    !['http:', 'https:'].includes(url.protocol) ||
    url.pathname !== '/' ||
    url.search ||
    url.hash
  ) {
    throw new TypeError(`PUBLIC_URL must be an http(s) origin such as https://demo.example.com, got '${value}'`)
  }
  return url.origin
}

/** Reads the demo's configuration from the environment and its command line. */
export function readConfig(env: NodeJS.ProcessEnv = process.env, args: readonly string[] = []): DemoConfig {
  for (const arg of args) {
    if (arg !== '--otel') throw new TypeError(`Unknown argument '${arg}' (the demo takes --otel only)`)
  }
  const appId = env.FB_APP_ID || undefined
  const appSecret = env.FB_APP_SECRET || undefined
  if ((appId === undefined) !== (appSecret === undefined)) {
    throw new TypeError('Set both FB_APP_ID and FB_APP_SECRET, or neither (to use the emulator)')
  }
  return {
    emulator: appId === undefined,
    appId,
    appSecret,
    graphUrl: env.GRAPH_URL || undefined,
    dialogUrl: env.DIALOG_URL || undefined,
    ports: {
      emulator: port(env, 'EMULATOR_PORT', 4010),
      web: port(env, 'PORT', 3000),
      express: port(env, 'EXPRESS_PORT', 3001),
      nest: port(env, 'NEST_PORT', 3002),
      fastify: port(env, 'FASTIFY_PORT', 3003),
    },
    host: env.HOST || '127.0.0.1',
    publicUrl: publicUrl(env),
    database: env.DEMO_DATABASE || 'demo-tokens.db',
    sessionSecret: env.SESSION_SECRET || 'tokens-demo-session-secret',
    printSpans: args.includes('--otel') || env.TOKENS_DEMO_OTEL === '1',
  }
}
