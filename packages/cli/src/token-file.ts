import { writeFile } from 'node:fs/promises'
import { usage } from './failure.js'

/**
 * Writes a raw token to a new file only its owner can read (mode 600), never over an existing
 * file: the one way the tool hands out a token, since it prints none.
 */
export async function writeTokenFile(path: string, raw: string): Promise<void> {
  try {
    await writeFile(path, `${raw}\n`, { mode: 0o600, flag: 'wx' })
  } catch (error) {
    const code = (error as { code?: unknown }).code
    if (code === 'EEXIST') throw usage(`--output: ${path} exists (the tool never overwrites a file)`, error)
    throw usage(`--output: cannot write ${path} (${String(code ?? error)})`, error)
  }
}
