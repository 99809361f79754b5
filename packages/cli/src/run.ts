import { Command, CommanderError, Option } from 'commander'
import { appConfig, type GlobalOptions } from './app-config.js'
import { classify } from './classify.js'
import { clockOf } from './clock.js'
import { appTokenCommand } from './commands/app-token.js'
import { debugCommand } from './commands/debug.js'
import { type AcquireOptions, exchangeCommand } from './commands/exchange.js'
import { type ListOptions, listCommand } from './commands/list.js'
import { pagesCommand } from './commands/pages.js'
import { type RevokeOptions, revokeCommand } from './commands/revoke.js'
import type { CommandContext } from './context.js'
import { EXIT, type ExitCode } from './exit-codes.js'
import { type CliIO, Output } from './output.js'

/** The version printed by `tokens --version`. */
const VERSION = '0.1.0'

const ENVIRONMENT = `
Environment:
  META_APP_ID        the app id (--app-id)
  META_APP_SECRET    the app secret (--app-secret; prefer the variable: shell history keeps flags)
  META_GRAPH_URL     Graph API base URL (--graph-url), e.g. a @tokens/emulator
  META_ACCESS_TOKEN  the token of debug, exchange and pages when none is given
  TOKENS_STORE       the store (--store): a SQLite file path or a redis:// URL
  TOKENS_KEYS        encryption keys of the store (--key), as k1:<key>,k2:<key>
  NO_COLOR           any value turns colour off (colour is only used on a terminal)

Exit codes:
  0    done; every token looked at is valid
  1    a token is invalid (debug), or Graph refuses stored tokens (list --check)
  2    usage or configuration error (a flag, the app id or secret, the store, a key, a malformed token)
  3    Graph or the store could not be reached, or is throttling: try again later
  70   a bug of the tool (run again with --debug and report it)
  130  interrupted`

/**
 * Runs the `tokens` command line with `argv` (without `node` and the script) and resolves its exit
 * code; it never calls `process.exit`. Output goes to `io` (the process's streams by default), and
 * never holds a raw token or secret.
 *
 * @example
 * ```ts
 * import { run } from '@tokens/cli'
 * const code = await run(['debug', '--json'], {
 *   env: { ...process.env, META_ACCESS_TOKEN: 'EAAB...' },
 * })
 * process.exitCode = code
 * ```
 */
export async function run(argv: readonly string[], io: Partial<CliIO> = {}): Promise<ExitCode> {
  const streams: CliIO = {
    stdout: io.stdout ?? process.stdout,
    stderr: io.stderr ?? process.stderr,
    stdin: io.stdin ?? process.stdin,
    env: io.env ?? process.env,
  }
  const early = { json: argv.includes('--json'), debug: argv.includes('--debug') }
  const color = argv.includes('--no-color') ? false : argv.includes('--color') ? true : undefined
  let output = new Output(streams, { ...early, color })
  let exitCode: ExitCode = EXIT.ok
  const program = buildProgram(
    streams,
    early.json,
    (code) => {
      exitCode = code
    },
    (made) => {
      output = made
    },
  )
  try {
    await program.parseAsync([...argv], { from: 'user' })
    return exitCode
  } catch (error) {
    if (error instanceof CommanderError) return commanderExit(error, output)
    return report(error, output)
  }
}

/** Help and version end in 0; any other parsing error is a usage error, already printed. */
function commanderExit(error: CommanderError, output: Output): ExitCode {
  if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0) {
    return EXIT.ok
  }
  if (output.json)
    output.document({
      error: {
        exitCode: EXIT.usage,
        kind: 'usage',
        message: error.message
          .replace(/^error: /, '')
          .replace(/\s*\n\s*/g, ' ')
          .trim(),
      },
    })
  return EXIT.usage
}

/** Prints a failure as one line (JSON with `--json`; the stack with `--debug`) and returns its code. */
function report(error: unknown, output: Output): ExitCode {
  const failure = classify(error)
  if (output.json) {
    output.document({ error: { exitCode: failure.exitCode, kind: failure.kind, message: failure.message } })
  } else {
    output.err(`${output.errColors.red('tokens:')} ${failure.message.replace(/\s*\n\s*/g, ' ')}`)
  }
  if (output.debug) {
    for (let e: unknown = error, depth = 0; e instanceof Error && depth < 6; e = e.cause, depth++) {
      output.err(depth === 0 ? (e.stack ?? e.message) : `caused by: ${e.stack ?? e.message}`)
    }
  }
  return failure.exitCode
}

function storeOptions(command: Command, withPrefix = true): Command {
  command
    .option('--store <store>', 'a SQLite file path, or redis://host:6379 (env: TOKENS_STORE)')
    .option(
      '--key <id:key>',
      'a key of an encrypted store, e.g. k1:<64 hex digits>; repeat for several (env: TOKENS_KEYS)',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option('--current-key <id>', 'the key new writes use (default: the last --key)')
  if (withPrefix) command.option('--prefix <prefix>', "key prefix of a Redis store (default: 'tokens:')")
  return command
}

function buildProgram(
  io: CliIO,
  json: boolean,
  done: (code: ExitCode) => void,
  outputMade: (output: Output) => void,
): Command {
  const program = new Command('tokens')
  program
    .description('Debug Meta Graph API access tokens, and list, check, prune and revoke the tokens your app stored.')
    .version(VERSION)
    .option('--app-id <id>', 'the Meta app id (env: META_APP_ID)')
    .option('--app-secret <secret>', 'the app secret (env: META_APP_SECRET, preferred)')
    .option('--graph-url <url>', 'Graph API base URL (env: META_GRAPH_URL)')
    .option('--graph-version <version>', "Graph API version, e.g. v25.0 ('' for unversioned)")
    .option('--timeout <ms>', 'deadline of each Graph call, retries included', '10000')
    .option('--json', 'print one JSON document (errors too) for scripts')
    .option('--debug', 'print stack traces of errors')
    .option('--color', 'colour even when not on a terminal')
    .option('--no-color', 'never colour')
    .addOption(new Option('--now <time>', 'pretend it is this time (ISO 8601), for tests (env: TOKENS_NOW)').hideHelp())
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .configureOutput(outputOf(io, 'tokens --help', json))
    .addHelpText('after', ENVIRONMENT)

  /** Builds a command's context from its parsed options and runs it; records its exit code. */
  const action =
    <A extends unknown[]>(handler: (ctx: CommandContext, ...args: A) => Promise<ExitCode>) =>
    async (...args: A) => {
      const command = args[args.length - 1] as Command
      const options = command.optsWithGlobals<GlobalOptions>()
      const output = new Output(io, {
        json: options.json === true,
        debug: options.debug === true,
        color: options.color === false ? false : argvHasColor(command) ? true : undefined,
      })
      outputMade(output)
      const ctx: CommandContext = {
        io,
        output,
        options,
        config: appConfig(options, io.env, output),
        clock: clockOf(options.now ?? io.env.TOKENS_NOW),
      }
      done(await handler(ctx, ...args))
    }

  program
    .command('debug')
    .summary('what the Access Token Debugger shows, for one token')
    .description(
      'Verifies a token with Graph (through @tokens/core) and shows its type, app, user or Page, scopes and granular scopes, issue and expiry times, and whether it is valid, or why not. The token is read from the argument, META_ACCESS_TOKEN, or stdin (keeping it out of shell history), and printed only redacted.',
    )
    .argument('[token]', "the access token; '-' or none reads stdin (or META_ACCESS_TOKEN)")
    .addHelpText('after', '\nExamples:\n  pbpaste | tokens debug\n  META_ACCESS_TOKEN=… tokens debug --json')
    .action(action((ctx, token: string | undefined) => debugCommand(ctx, token)))

  storeOptions(
    program
      .command('list')
      .summary('the tokens of a store (the Access Token Tool)')
      .description(
        'Lists every token stored by @tokens/sqlite or @tokens/redis (of the app given by --app-id / META_APP_ID, when given): kind, user, Page, lifetime, expiry and when it was saved, never the token itself. --check asks Graph about each one; --prune deletes those Graph refuses.',
      )
      .option('--check', 'verify each token with Graph (needs the app id and secret)')
      .option('--expiring <window>', 'only tokens that expire within the window, e.g. 12h, 7d, 2w')
      .option('--prune', 'delete the tokens Graph refuses (implies --check), after a confirmation')
      .option('-y, --yes', 'with --prune: delete without asking')
      .addHelpText(
        'after',
        '\nExamples:\n  tokens list --store /var/lib/app/tokens.db --expiring 7d\n  tokens list --store redis://localhost:6379 --key k1:$TOKEN_KEY --check --prune',
      ),
  ).action(action((ctx, options: ListOptions) => listCommand(ctx, options)))

  storeOptions(
    program
      .command('exchange')
      .summary('a short-lived user token for a long-lived one')
      .description(
        'Exchanges a short-lived user token (or refreshes a system user token) for a long-lived one through @tokens/core. The new token is never printed: --save keeps it in the store, --output writes it to a new file (mode 600).',
      )
      .argument('[token]', "the short-lived token; '-' or none reads stdin (or META_ACCESS_TOKEN)")
      .option('--save', 'save the long-lived token in --store')
      .option('-o, --output <file>', 'write the long-lived token to this new file (mode 600)'),
  ).action(action((ctx, token: string | undefined, options: AcquireOptions) => exchangeCommand(ctx, token, options)))

  storeOptions(
    program
      .command('pages')
      .summary('the Page tokens of a user token, with their tasks')
      .description(
        "Asks Graph (through @tokens/core) for the Page token of every Page the user manages, with the user's tasks on it; --save keeps them in the store. Tokens are shown redacted.",
      )
      .argument('[user-token]', "the user token; '-' or none reads stdin (or META_ACCESS_TOKEN)")
      .option('--save', 'save the Page tokens in --store'),
  ).action(action((ctx, token: string | undefined, options: AcquireOptions) => pagesCommand(ctx, token, options)))

  program
    .command('app-token')
    .summary("check the app's credentials and show its app token")
    .description(
      'Asks Graph whether the app id and secret are right, and shows the app token ({app_id}|{app_secret}) redacted; --output writes it to a new file (mode 600).',
    )
    .option('-o, --output <file>', 'write the app token to this new file (mode 600)')
    .action(action((ctx, options: { output?: string }) => appTokenCommand(ctx, options)))

  storeOptions(
    program
      .command('revoke')
      .summary("forget a user's tokens, as the deauthorize callback does")
      .description(
        "Deletes every stored token of a user (their token and the Page tokens obtained through it) and drops their cached verifications, through @tokens/core's revokeUser, as Meta's deauthorize callback does.",
      )
      .argument('<user-id>', 'the user (app-scoped id)')
      .option('--cache <url>', "the shared verification cache (redis://…; default: the store's Redis; 'none' to skip)"),
  ).action(action((ctx, userId: string, options: RevokeOptions) => revokeCommand(ctx, userId, options)))

  for (const command of program.commands) {
    command.exitOverride().configureOutput(outputOf(io, `tokens ${command.name()} --help`, json))
  }
  return program
}

/**
 * Where commander writes: help to stdout, and a parsing error as one line on stderr naming the help
 * to read (nothing with `--json`: the JSON error document says it).
 */
function outputOf(io: CliIO, help: string, json: boolean) {
  return {
    writeOut: (text: string) => void io.stdout.write(text),
    writeErr: (text: string) => void io.stderr.write(text),
    outputError: (text: string, write: (text: string) => void) => {
      if (json) return
      const line = text
        .replace(/^error: /, '')
        .replace(/\s*\n\s*/g, ' ')
        .trim()
      write(`tokens: ${line} (see ${help})\n`)
    },
  }
}

/** Whether `--color` was given (commander folds `--color` and `--no-color` into one boolean). */
function argvHasColor(command: Command): boolean {
  let root: Command = command
  while (root.parent !== null) root = root.parent
  return root.getOptionValueSource('color') === 'cli' && root.opts().color === true
}
