import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * Writes a run's report into `outDir` — `<name>.md`, `<name>.json` (the figures) and any `extra`
 * files — then prints the Markdown, as every runner of the bench does.
 */
export function writeReport(
  outDir: string,
  name: string,
  markdown: string,
  figures: unknown,
  extra: Record<string, string> = {},
): void {
  mkdirSync(outDir, { recursive: true })
  writeFileSync(join(outDir, `${name}.md`), markdown)
  writeFileSync(join(outDir, `${name}.json`), `${JSON.stringify(figures, null, 2)}\n`)
  for (const [file, content] of Object.entries(extra)) writeFileSync(join(outDir, file), content)
  process.stdout.write(markdown)
}
