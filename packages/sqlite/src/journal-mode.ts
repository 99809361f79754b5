import type { Database } from 'better-sqlite3'

const pause = new Int32Array(new SharedArrayBuffer(4))

/**
 * Puts `db` in WAL mode. The switch cannot run inside a transaction, and while another process is
 * opening or switching the same file, SQLite refuses it at once with `SQLITE_BUSY` (the busy timeout
 * does not apply to it), so it is retried here until `timeoutMs` has passed.
 */
export function useWal(db: Database, timeoutMs: number): void {
  const deadline = performance.now() + timeoutMs
  for (;;) {
    try {
      db.pragma('journal_mode = WAL')
      return
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'SQLITE_BUSY' || performance.now() >= deadline) throw error
      Atomics.wait(pause, 0, 0, 5) // the constructor is synchronous: sleep without spinning
    }
  }
}
