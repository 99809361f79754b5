import { createHash } from 'node:crypto'
import { redact } from '@tokens/core'
import pc from 'picocolors'

/**
 * Where the tool writes, and what it reads: the process's own streams unless a caller embeds it.
 *
 * @example
 * ```ts
 * import { type CliIO, run } from '@tokens/cli'
 * let printed = ''
 * const io: Partial<CliIO> = { stdout: { write: (text: string) => (printed += text) }, env: {} }
 * await run(['--help'], io)
 * ```
 */
export interface CliIO {
  stdout: { write(text: string): unknown; isTTY?: boolean }
  stderr: { write(text: string): unknown; isTTY?: boolean }
  stdin: NodeJS.ReadableStream & { isTTY?: boolean }
  env: Record<string, string | undefined>
}

/** The colours the tool uses; every one is the identity when colour is off. */
export type Colors = ReturnType<typeof pc.createColors>

/** Values shorter than this are too common to scrub (ids, small numbers). */
const MIN_SECRET_LENGTH = 8

/**
 * Whether to colour a stream: `--color`/`--no-color` first, then `NO_COLOR` (any non-empty value turns
 * colour off, https://no-color.org), then `FORCE_COLOR`, then whether the stream is a terminal.
 */
export function wantsColor(flag: boolean | undefined, env: CliIO['env'], isTTY: boolean | undefined): boolean {
  if (flag !== undefined) return flag
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return true
  return isTTY === true
}

/** The first 12 hex digits of a token's SHA-256: what the core's events name tokens by. */
export function fingerprint(raw: string): string {
  return createHash('sha256').update(raw).digest('hex').slice(0, 12)
}

/** A token as the tool shows it: redacted, with its fingerprint. */
export function shownToken(raw: string): string {
  return `${redact(raw)} (sha256 ${fingerprint(raw)})`
}

/**
 * Everything the tool prints goes through here. Every raw token and secret the tool handles is
 * registered with {@link secret}, and scrubbed from any text before it is written: a last line of
 * defence behind redacted formatting, so that no message, error or JSON ever carries one.
 */
export class Output {
  readonly #io: CliIO
  readonly #secrets = new Set<string>()
  readonly json: boolean
  readonly debug: boolean
  /** Colours of stdout. */
  readonly colors: Colors
  /** Colours of stderr (errors, prompts, progress). */
  readonly errColors: Colors

  constructor(io: CliIO, options: { json: boolean; debug: boolean; color: boolean | undefined }) {
    this.#io = io
    this.json = options.json
    this.debug = options.debug
    this.colors = pc.createColors(!options.json && wantsColor(options.color, io.env, io.stdout.isTTY))
    this.errColors = pc.createColors(wantsColor(options.color, io.env, io.stderr.isTTY))
  }

  /** Whether stderr is a terminal (progress bars, prompts). */
  get interactive(): boolean {
    return this.#io.stderr.isTTY === true
  }

  /** Never prints `value` (nor, for `{id}|{secret}`, its secret half). */
  secret(value: string | undefined): void {
    if (value === undefined) return
    if (value.length >= MIN_SECRET_LENGTH) this.#secrets.add(value)
    const bar = value.indexOf('|')
    if (bar >= 0 && value.length - bar - 1 >= MIN_SECRET_LENGTH) this.#secrets.add(value.slice(bar + 1))
  }

  /** `text` with every registered secret replaced by `[redacted]`, longest first. */
  scrub(text: string): string {
    let out = text
    for (const secret of [...this.#secrets].sort((a, b) => b.length - a.length)) {
      if (out.includes(secret)) out = out.split(secret).join('[redacted]')
    }
    return out
  }

  /** A line (or lines) on stdout. */
  out(text = ''): void {
    this.#io.stdout.write(`${this.scrub(text)}\n`)
  }

  /** A line on stderr. */
  err(text: string): void {
    this.#io.stderr.write(`${this.scrub(text)}\n`)
  }

  /** Raw text on stderr, no newline (progress bars, prompts). */
  errRaw(text: string): void {
    this.#io.stderr.write(this.scrub(text))
  }

  /** A JSON document on stdout, one line. */
  document(value: unknown): void {
    this.#io.stdout.write(`${this.scrub(JSON.stringify(value))}\n`)
  }
}
