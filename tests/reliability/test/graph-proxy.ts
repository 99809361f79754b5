import { once } from 'node:events'
import { Agent, createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http'

/**
 * A transparent HTTP proxy in front of the emulator that counts the Graph calls in flight through it,
 * so a test can see how many `debug_token` calls a core has open at once, and whether any is left
 * open. A call counts from the moment its request arrives until the proxy starts sending the answer
 * (the whole answer is read from the emulator first) or the caller hangs up. The proxy sees a request
 * after the caller sent it and lets it go before the caller can read a byte of the answer, so
 * `maxInFlight` is never above what the caller had in flight; only a call the caller aborts may be
 * counted a moment after the caller gave up on it. Headers and bodies pass unchanged, so the emulator's
 * answers still look like the emulator's to the leak check.
 */
export class GraphProxy {
  /** Calls in flight now. */
  inFlight = 0
  /** The most calls in flight at once. */
  maxInFlight = 0
  /** Calls that arrived. */
  arrived = 0
  readonly #upstream = new Agent({ keepAlive: true })
  readonly #held: Array<() => void> = []
  #holdUntil = 0

  private constructor(
    private readonly server: Server,
    private readonly target: URL,
    readonly url: string,
  ) {}

  /** Starts a proxy on a free loopback port that forwards everything to `target` (the emulator's URL). */
  static async start(target: string): Promise<GraphProxy> {
    const server = createServer()
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const address = server.address()
    if (address === null || typeof address === 'string') throw new Error('no port')
    const proxy = new GraphProxy(server, new URL(target), `http://127.0.0.1:${address.port}`)
    server.on('request', (req: IncomingMessage, res: ServerResponse) => proxy.#forward(req, res))
    return proxy
  }

  /**
   * Holds the next `n` calls until the `n`-th arrives, then lets them all through: a caller that
   * allows `n` calls at once is then seen with `n` in flight, whatever the scheduling.
   */
  gather(n: number): void {
    this.#holdUntil = n
  }

  /** Open connections from callers (kept-alive sockets included). */
  connections(): Promise<number> {
    return new Promise((resolve, reject) =>
      this.server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
    )
  }

  async close(): Promise<void> {
    for (const release of this.#held.splice(0)) release()
    this.server.closeAllConnections()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
    this.#upstream.destroy()
  }

  #forward(req: IncomingMessage, res: ServerResponse): void {
    this.arrived++
    this.inFlight++
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight)
    let open = true
    const done = () => {
      if (open) this.inFlight--
      open = false
    }
    const upstream = request(new URL(req.url ?? '/', this.target), {
      method: req.method,
      headers: req.headers,
      agent: this.#upstream,
    })
    res.on('close', () => {
      if (!open) return
      done()
      upstream.destroy() // the caller gave up (a timeout): so does the proxy, and the emulator sees it
    })
    upstream.on('error', () => res.destroy())
    upstream.on('response', (answer) => {
      const chunks: Buffer[] = []
      answer.on('data', (chunk: Buffer) => chunks.push(chunk))
      answer.on('error', () => res.destroy())
      answer.on('end', () => {
        done()
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        res.end(Buffer.concat(chunks))
      })
    })
    const send = () => req.pipe(upstream)
    if (this.#holdUntil > 0) {
      this.#held.push(send)
      if (this.#held.length >= this.#holdUntil) {
        this.#holdUntil = 0
        for (const release of this.#held.splice(0)) release()
      }
    } else {
      send()
    }
  }
}
