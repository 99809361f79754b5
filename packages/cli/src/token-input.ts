import { usage } from './failure.js'
import type { CliIO, Output } from './output.js'

/** The environment variable a token is read from when none is given. */
export const TOKEN_ENV = 'META_ACCESS_TOKEN'

/** Longest input read from stdin: far above any token Meta issues. */
const MAX_STDIN_BYTES = 64 * 1024

/**
 * The token a command works on: the argument (`-` for stdin), else `META_ACCESS_TOKEN`, else stdin
 * when it is not a terminal. Reading it from stdin or the environment keeps it out of shell history.
 * The token is registered as a secret at once.
 */
export async function readToken(argument: string | undefined, io: CliIO, output: Output): Promise<string> {
  let raw: string
  if (argument !== undefined && argument !== '-') raw = argument
  else if (argument === undefined && io.env[TOKEN_ENV]) raw = io.env[TOKEN_ENV] as string
  else if (argument === '-' || io.stdin.isTTY !== true) raw = await readStdin(io.stdin)
  else {
    throw usage(
      `no token: pipe it on stdin (pbpaste | tokens …), set ${TOKEN_ENV}, or pass it as an argument (shell history keeps it)`,
    )
  }
  raw = raw.trim()
  output.secret(raw)
  if (raw === '') throw usage(`no token: stdin and ${TOKEN_ENV} were empty`)
  if (/\s/.test(raw)) throw usage('the token is malformed: it contains whitespace (one token, on one line)')
  return raw
}

async function readStdin(stdin: CliIO['stdin']): Promise<string> {
  let text = ''
  for await (const chunk of stdin) {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8')
    if (text.length > MAX_STDIN_BYTES) throw usage('the token is malformed: stdin holds more than one token')
  }
  return text
}
