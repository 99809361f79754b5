import { redact } from '@tokens/core'
import { coreFor } from '../app-config.js'
import type { CommandContext } from '../context.js'
import { EXIT, type ExitCode } from '../exit-codes.js'
import { writeTokenFile } from '../token-file.js'

/**
 * `tokens app-token`: the app token `{app_id}|{app_secret}`, composed by the core, after the core has
 * asked Graph whether the app id and secret are right (`checkCredentials`). Printed redacted;
 * `--output` writes it to a new file.
 */
export async function appTokenCommand(ctx: CommandContext, options: { output?: string }): Promise<ExitCode> {
  const { output } = ctx
  const core = coreFor(ctx.config, { clock: ctx.clock })
  try {
    await core.checkCredentials()
    const token = core.appToken()
    let name: string | null = null
    try {
      const body = await core.graph.get<{ data?: { application?: unknown } }>('/debug_token', {
        token,
        params: { input_token: token.value },
      })
      name = typeof body?.data?.application === 'string' ? body.data.application : null
    } catch {
      // The name is a nicety: the credentials were checked already.
    }
    if (options.output !== undefined) await writeTokenFile(options.output, token.value)
    if (output.json) {
      output.document({
        token: redact(token.value),
        appId: token.appId,
        appName: name,
        credentials: 'accepted',
        expiresAt: null,
        writtenTo: options.output ?? null,
      })
      return EXIT.ok
    }
    const c = output.colors
    output.out(`${c.dim('App token    ')}${redact(token.value)}`)
    output.out(`${c.dim('App          ')}${name === null ? token.appId : `${token.appId} (${name})`}`)
    output.out(`${c.dim('Credentials  ')}${c.green('accepted by Graph')}`)
    output.out(`${c.dim('Expires      ')}never (until the app secret is reset)`)
    if (options.output !== undefined) output.out(`${c.dim('Written      ')}to ${options.output} (mode 600)`)
    return EXIT.ok
  } finally {
    await core.close()
  }
}
