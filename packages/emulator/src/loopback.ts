import { lookup } from 'node:dns/promises'
import { BlockList, isIP } from 'node:net'

const LOOPBACK = new BlockList()
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4')
LOOPBACK.addAddress('::1', 'ipv6')

/**
 * Whether `address` is an IP address on loopback: 127.0.0.0/8, `::1`, or an IPv4-mapped 127.x.
 * Names are not addresses: `'localhost'` and `'127.lan.example'` are `false` here.
 */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false
  const family = isIP(address)
  return family !== 0 && LOOPBACK.check(address, family === 6 ? 'ipv6' : 'ipv4')
}

/**
 * The address to bind for `host`: `host` is resolved and every address it resolves to must be
 * loopback (a name that also resolves elsewhere, or does not resolve at all, is refused). The first
 * address is returned, so the server binds what was checked rather than resolving the name again.
 */
export async function loopbackAddress(host: string): Promise<string> {
  let addresses: Array<{ address: string }>
  try {
    addresses = await lookup(host, { all: true, verbatim: true })
  } catch (error) {
    const code = (error as { code?: unknown }).code
    throw new TypeError(
      `host '${host}' does not resolve (${String(code ?? error)}); the emulator binds loopback addresses only (127.0.0.0/8, ::1)`,
    )
  }
  const outside = addresses.map((a) => a.address).filter((address) => !isLoopbackAddress(address))
  if (addresses.length === 0 || outside.length > 0) {
    throw new TypeError(
      `host '${host}' resolves to ${outside.join(', ') || 'nothing'}, which is not loopback (127.0.0.0/8, ::1); ` +
        'pass allowNonLoopback: true to bind it anyway',
    )
  }
  return (addresses[0] as { address: string }).address
}

const HOST_HEADER = /^(localhost|\d{1,3}(?:\.\d{1,3}){3}|\[::1\])(?::(\d{1,5}))?$/i

/**
 * Whether a `Host` header names this server on loopback: `localhost`, a 127.x address or `[::1]`,
 * with the port it listens on (which HTTP clients omit only for 80). Any other name (one a DNS
 * rebinding attack points at 127.0.0.1) is refused.
 */
export function isLoopbackHost(header: string | undefined, port: number): boolean {
  const match = header === undefined ? null : HOST_HEADER.exec(header)
  if (match === null) return false
  const [, name = '', given] = match
  const address = name.startsWith('[') ? name.slice(1, -1) : name
  if (name.toLowerCase() !== 'localhost' && !isLoopbackAddress(address)) return false
  return given === undefined ? port === 80 : Number(given) === port
}
