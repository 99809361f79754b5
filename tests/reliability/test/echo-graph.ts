import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import { inspect } from 'node:util'

/** Every surface an error offers a logger: message, stack, causes, inspection, JSON, the HTTP answer. */
export function errorSurfaces(error: unknown): string {
  const parts: string[] = [String(error), inspect(error, { depth: 10, showHidden: true })]
  let current: unknown = error
  for (let depth = 0; current instanceof Error && depth < 10; depth++) {
    parts.push(current.message, current.stack ?? '', JSON.stringify(current))
    const response = (current as { toResponse?: () => unknown }).toResponse?.()
    if (response !== undefined) parts.push(JSON.stringify(response))
    current = current.cause
  }
  return parts.join('\n')
}

/**
 * A stand-in for Graph (a loopback server to use as `graphUrl`) that answers every call with a Graph
 * error whose message (or the fields named in `echoIn`) repeats the request it got, as sent
 * (percent-encoded) and decoded: path, query and body. It sets `x-fb-trace-id` like Graph: its
 * answers carry the secrets on purpose, so the suite-wide leak check treats them as Graph's own.
 */
export class EchoGraph {
  /** The Graph error code of its answers. */
  code = 100
  /** The fields of Graph's error object that repeat the request (Graph's `message` by default). */
  echoIn: ReadonlyArray<'message' | 'error_user_title' | 'error_user_msg'> = ['message']
  readonly #server: Server

  private constructor(server: Server) {
    this.#server = server
  }

  static async start(): Promise<EchoGraph> {
    let echo: EchoGraph | undefined
    const server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => {
        const sent = `${req.url ?? ''} ${Buffer.concat(chunks).toString('utf8')}`
        let decoded = sent
        try {
          decoded = decodeURIComponent(sent.replace(/\+/g, ' '))
        } catch {}
        const message = `(#${echo?.code}) Invalid parameter. You sent: ${sent} (${decoded})`
        res.writeHead(400, { 'content-type': 'application/json', 'x-fb-trace-id': 'EchoTrace' })
        res.end(
          JSON.stringify({
            error: {
              message: `(#${echo?.code}) Invalid parameter`,
              type: 'OAuthException',
              code: echo?.code,
              fbtrace_id: 'EchoTrace',
              ...Object.fromEntries((echo?.echoIn ?? []).map((field) => [field, message])),
            },
          }),
        )
      })
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    echo = new EchoGraph(server)
    return echo
  }

  get url(): string {
    const address = this.#server.address()
    if (address === null || typeof address === 'string') throw new Error('no port')
    return `http://127.0.0.1:${address.port}`
  }

  close(): Promise<void> {
    this.#server.closeAllConnections()
    return new Promise((resolve) => this.#server.close(() => resolve()))
  }
}
