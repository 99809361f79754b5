import { Redis } from 'ioredis'

/**
 * The commands Redis ran while `action` ran, as MONITOR shows them (those run by a script excluded),
 * every one of them: MONITOR lists commands in order, so once an ECHO sent after `action` shows up,
 * all of the action's have.
 */
export async function commandsDuring(url: string, action: () => Promise<unknown>): Promise<string[][]> {
  const client = new Redis(url)
  const monitor = await client.monitor()
  const commands: string[][] = []
  let fenced: () => void = () => {}
  const fence = new Promise<void>((resolve) => {
    fenced = resolve
  })
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (args[0]?.toLowerCase() === 'echo' && args[1] === 'monitor-fence') fenced()
    else if (!source.includes('lua')) commands.push(args)
  })
  try {
    await action()
    await client.echo('monitor-fence')
    await fence
  } finally {
    monitor.disconnect()
    client.disconnect()
  }
  return commands
}
