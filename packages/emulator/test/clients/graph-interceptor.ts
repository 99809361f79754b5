import { generateKeyPairSync, type KeyObject, randomBytes, sign, X509Certificate } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, request, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createSecureContext, TLSSocket } from 'node:tls'

/**
 * For clients that hard-code `https://graph.facebook.com` (fb, the business SDK): an HTTP proxy on
 * loopback that answers `CONNECT graph.facebook.com:443` itself, ends TLS with a certificate made for
 * this run, and hands each request to the emulator (with `X-Forwarded-Proto: https`, so that paging
 * links stay on `https://graph.facebook.com`). It never connects anywhere else: a CONNECT to any other
 * host is refused (and recorded), so a client behind it cannot reach the internet.
 *
 * The client's process must trust the certificate: start it with `NODE_EXTRA_CA_CERTS=<caFile>` (Node
 * reads that variable only at startup, hence a child process).
 */
export interface GraphInterceptor {
  /** `http://127.0.0.1:<port>`: the client's proxy (fb's `proxy` option, `HTTPS_PROXY` for axios). */
  url: string
  /** A PEM file of the certificate, for `NODE_EXTRA_CA_CERTS`. */
  caFile: string
  /** `host:port` of every CONNECT refused (anything but graph.facebook.com:443). */
  refused: string[]
  close(): Promise<void>
}

const HOSTS = new Set(['graph.facebook.com:443'])

// --- a self-signed certificate for graph.facebook.com, in DER, with Node's crypto only ---

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n])
  const bytes: number[] = []
  for (let rest = n; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff)
  return Buffer.from([0x80 | bytes.length, ...bytes])
}

function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content)
  return Buffer.concat([Buffer.from([tag]), length(body.length), body])
}

const sequence = (...items: Buffer[]) => tlv(0x30, ...items)

function oid(dotted: string): Buffer {
  const [a = 0, b = 0, ...rest] = dotted.split('.').map(Number)
  const bytes = [40 * a + b]
  for (const arc of rest) {
    const chunk = [arc & 0x7f]
    for (let v = arc >> 7; v > 0; v >>= 7) chunk.unshift(0x80 | (v & 0x7f))
    bytes.push(...chunk)
  }
  return tlv(0x06, Buffer.from(bytes))
}

function utcTime(date: Date): Buffer {
  const text = date.toISOString().replace(/[-:T]/g, '').slice(2, 14)
  return tlv(0x17, Buffer.from(`${text}Z`, 'ascii'))
}

function selfSignedCertificate(host: string, key: KeyObject, publicKeyDer: Buffer): string {
  const ecdsaWithSha256 = sequence(oid('1.2.840.10045.4.3.2'))
  const name = sequence(tlv(0x31, sequence(oid('2.5.4.3'), tlv(0x0c, Buffer.from(host, 'utf8')))))
  const serial = randomBytes(16)
  serial[0] = (serial[0] ?? 0) & 0x7f
  const now = Date.now()
  const extensions = tlv(
    0xa3,
    sequence(
      sequence(oid('2.5.29.19'), tlv(0x01, Buffer.from([0xff])), tlv(0x04, sequence(tlv(0x01, Buffer.from([0xff]))))),
      sequence(oid('2.5.29.17'), tlv(0x04, sequence(tlv(0x82, Buffer.from(host, 'ascii'))))),
    ),
  )
  const tbs = sequence(
    tlv(0xa0, tlv(0x02, Buffer.from([2]))),
    tlv(0x02, serial),
    ecdsaWithSha256,
    name,
    sequence(utcTime(new Date(now - 3_600_000)), utcTime(new Date(now + 86_400_000))),
    name,
    publicKeyDer,
    extensions,
  )
  const signature = sign('sha256', tbs, key)
  const der = sequence(tbs, ecdsaWithSha256, tlv(0x03, Buffer.from([0]), signature))
  const lines = der.toString('base64').match(/.{1,64}/g) ?? []
  const pem = `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`
  new X509Certificate(pem) // throws if the encoding is wrong
  return pem
}

// --- the proxy ---

function forward(emulatorUrl: string, req: IncomingMessage, res: import('node:http').ServerResponse): void {
  const target = new URL(emulatorUrl)
  const upstream = request(
    {
      hostname: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers: { ...req.headers, 'x-forwarded-proto': 'https' },
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
    },
  )
  upstream.on('error', () => res.destroy())
  req.pipe(upstream)
}

/** Starts the interceptor in front of the emulator at `emulatorUrl`. */
export async function startGraphInterceptor(emulatorUrl: string): Promise<GraphInterceptor> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const cert = selfSignedCertificate(
    'graph.facebook.com',
    privateKey,
    publicKey.export({ type: 'spki', format: 'der' }),
  )
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  const caFile = join(mkdtempSync(join(tmpdir(), 'graph-interceptor-')), 'graph-facebook-com.pem')
  writeFileSync(caFile, cert)
  const secureContext = createSecureContext({ key: keyPem, cert })
  const refused: string[] = []
  const sockets = new Set<Socket>()

  // Decrypted requests from the tunnels are served by this server, which never listens itself.
  const inner: Server = createServer((req, res) => forward(emulatorUrl, req, res))
  const outer: Server = createServer((_req, res) => {
    res.writeHead(403, { 'content-type': 'text/plain' }).end('this proxy only tunnels to graph.facebook.com:443\n')
  })
  outer.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  outer.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const target = (req.url ?? '').toLowerCase()
    if (!HOSTS.has(target)) {
      refused.push(target)
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n')
      return
    }
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n')
    if (head.length > 0) socket.unshift(head)
    const tls = new TLSSocket(socket, { isServer: true, secureContext })
    tls.on('error', () => socket.destroy())
    inner.emit('connection', tls)
  })
  await new Promise<void>((resolve) => outer.listen(0, '127.0.0.1', resolve))
  const { port } = outer.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    caFile,
    refused,
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => outer.close(() => resolve()))
      inner.close()
    },
  }
}
