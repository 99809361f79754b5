/**
 * What a test exports besides its output, for the suite-wide leak check (`setup.ts`): a test that
 * collects OpenTelemetry spans and metrics in memory hands a reader of them to {@link checkExported},
 * and after each test the check reads them and fails the test if they hold an issued token or secret,
 * an `appsecret_proof` of one, or a token's full SHA-256.
 */

/** Reads what was exported since the last read, as text (JSON of the spans and metrics). */
export type ExportedReader = () => string | Promise<string>

// On `globalThis` under a registered symbol: the setup file and a test may load this module as two copies.
const REGISTRY = Symbol.for('@tokens/leak-check.exported-readers')

/** The readers registered now. */
export function exportedReaders(): Set<ExportedReader> {
  const scope = globalThis as { [REGISTRY]?: Set<ExportedReader> }
  scope[REGISTRY] ??= new Set()
  return scope[REGISTRY]
}

/** Has the leak check read `read` after each test until the returned function is called. */
export function checkExported(read: ExportedReader): () => void {
  const readers = exportedReaders()
  readers.add(read)
  return () => {
    readers.delete(read)
  }
}
