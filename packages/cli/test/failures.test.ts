import { createServer } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { json, tokensCli } from './cli.js'
import { ADA, APP, type Graph, startGraph } from './fixture.js'

let graph: Graph
let token: string
beforeAll(async () => {
  graph = await startGraph()
  token = graph.emu.issueUserToken({ appId: APP.id, userId: ADA, scopes: ['public_profile'], lifetime: 'long' })
})
afterAll(() => graph.close())

/** A loopback port where nothing listens. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

describe('failures: one line naming what to fix, a distinct exit code, no stack', () => {
  it('an unreachable Graph: exit 3', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`
    const run = await tokensCli(['debug', '--timeout', '2000'], {
      env: graph.env({ META_GRAPH_URL: url }),
      input: token,
    })
    expect(run.code).toBe(3)
    expect(run.stdout).toBe('')
    expect(run.stderr.split('\n')).toHaveLength(2) // one line, then the end
    expect(run.stderr).toMatch(/^tokens: Graph API .*\(check --graph-url \/ META_GRAPH_URL\)\n$/)
    expect(run.stderr).not.toMatch(/\bat .+:\d+:\d+/)
  })

  it('--debug adds the stack and its causes', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`
    const run = await tokensCli(['debug', '--debug', '--timeout', '2000'], {
      env: graph.env({ META_GRAPH_URL: url }),
      input: token,
    })
    expect(run.code).toBe(3)
    expect(run.stderr).toMatch(/\n {4}at .+/)
    expect(run.stderr).toContain('caused by:')
  })

  it('Graph throttling the app: exit 3, to try again later', async () => {
    graph.emu.setFaults({ errorCode: 4, paths: ['/debug_token'] })
    try {
      const run = await tokensCli(['debug', '--json', '--timeout', '3000'], { env: graph.env(), input: token })
      expect(run.code).toBe(3)
      expect(json(run)).toMatchObject({ error: { exitCode: 3, kind: 'unavailable' } })
    } finally {
      graph.emu.setFaults(null)
    }
  })

  it('a wrong app secret: exit 2 (configuration), never "invalid token"', async () => {
    const run = await tokensCli(['debug'], {
      env: graph.env({ META_APP_SECRET: 'wrong0secret0wrong0secret0000000' }),
      input: token,
    })
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/^tokens: Graph API refused the app's credentials: check --app-id and META_APP_SECRET/)
  })

  it('a missing or malformed app id or secret: exit 2, naming the flag and the variable', async () => {
    const env = graph.env()
    const noSecret = await tokensCli(['debug'], { env: { ...env, META_APP_SECRET: '' }, input: token })
    expect(noSecret.code).toBe(2)
    expect(noSecret.stderr).toBe(
      'tokens: no app secret: set META_APP_SECRET (or pass --app-secret, which shell history keeps)\n',
    )
    const badId = await tokensCli(['debug', '--app-id', 'my-app'], { env, input: token })
    expect(badId.stderr).toBe('tokens: --app-id (META_APP_ID) must be a string of digits\n')
    const badUrl = await tokensCli(['debug'], { env: { ...env, META_GRAPH_URL: 'graph.example' }, input: token })
    expect(badUrl.stderr).toMatch(/^tokens: --graph-url \(META_GRAPH_URL\) must be an http\(s\) origin/)
  })

  it('an unknown store URL, command or option: exit 2, one line', async () => {
    const store = await tokensCli(['list', '--store', 'postgres://db/tokens'], { env: graph.env() })
    expect(store.code).toBe(2)
    expect(store.stderr).toBe(
      "tokens: --store: unknown store 'postgres:': pass a SQLite file path or a redis:// (rediss://) URL\n",
    )
    const command = await tokensCli(['lsit'], { env: graph.env() })
    expect(command.code).toBe(2)
    expect(command.stderr).toBe("tokens: unknown command 'lsit' (Did you mean list?) (see tokens --help)\n")
    const option = await tokensCli(['list', '--chek'], { env: graph.env() })
    expect(option.stderr).toBe("tokens: unknown option '--chek' (Did you mean --check?) (see tokens list --help)\n")
    const asJson = await tokensCli(['list', '--chek', '--json'], { env: graph.env() })
    expect(json(asJson)).toEqual({
      error: { exitCode: 2, kind: 'usage', message: "unknown option '--chek' (Did you mean --check?)" },
    })
  })

  it('a token given to a failing command never shows, even in --debug stacks', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`
    // The leak check of tokensCli fails the test if the token (or the secret) shows anywhere.
    await tokensCli(['exchange', '--debug', '--timeout', '1000', token], { env: graph.env({ META_GRAPH_URL: url }) })
    await tokensCli(['pages', '--debug', '--json', '--timeout', '1000'], {
      env: graph.env({ META_GRAPH_URL: url, META_ACCESS_TOKEN: token }),
    })
    await tokensCli(['debug', '--debug', `${token}x`], { env: graph.env() })
  })
})

describe('help, colour and the contract of every command', () => {
  it.each(['debug', 'list', 'exchange', 'pages', 'app-token', 'revoke'])('tokens %s --help', async (command) => {
    const run = await tokensCli([command, '--help'], { env: {} })
    expect(run.code).toBe(0)
    expect(run.stdout).toContain(`Usage: tokens ${command}`)
    expect(run.stdout).toContain('--json')
  })

  it('tokens --help lists the commands, the environment and the exit codes', async () => {
    const run = await tokensCli(['--help'], { env: {} })
    expect(run.code).toBe(0)
    for (const text of [
      'debug [token]',
      'list [options]',
      'revoke [options] <user-id>',
      'META_APP_SECRET',
      '130  interrupted',
    ]) {
      expect(run.stdout).toContain(text)
    }
  })

  it('colour only on a terminal (or when forced), never with NO_COLOR or --no-color', async () => {
    const env = graph.env()
    delete (env as Record<string, string | undefined>).NO_COLOR
    const plain = await tokensCli(['debug'], { env, input: token })
    expect(plain.stdout).not.toContain('\x1b[')
    const forced = await tokensCli(['debug'], { env: { ...env, FORCE_COLOR: '1' }, input: token })
    expect(forced.stdout).toContain('\x1b[32myes\x1b[39m')
    const noColor = await tokensCli(['debug'], { env: { ...env, FORCE_COLOR: '1', NO_COLOR: '1' }, input: token })
    expect(noColor.stdout).not.toContain('\x1b[')
    const flag = await tokensCli(['debug', '--no-color'], { env: { ...env, FORCE_COLOR: '1' }, input: token })
    expect(flag.stdout).not.toContain('\x1b[')
    const asJson = await tokensCli(['debug', '--json', '--color'], { env, input: token })
    expect(asJson.stdout).not.toContain('\x1b[')
  })
})
