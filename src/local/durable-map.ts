// A string-keyed map of JSON values kept on disk, for the embedded runtime's stand-ins that must
// survive a restart with --persist (Step Functions executions, the Stripe simulator's account).
//
// Layout: `<name>.json`, a snapshot (written to a temporary file, then renamed over the old one, so
// it is always whole), and `<name>.jsonl`, a journal of the changes since: one line per write(), a
// JSON array of [key, value] pairs (value null = deleted). A write is one append of one line with a
// synchronous system call, so once write() returns the change survives a SIGKILL of the process (it
// is in the OS's page cache; surviving a power cut would need an fsync, which local mode does not
// pay for). A line cut short by a crash mid-write is ignored when loading: each write() is applied
// whole or not at all. Opening folds the journal into a fresh snapshot; so does a long journal.
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { silentLog, type Log } from './log'

/** Fold the journal into the snapshot once it has this many lines. */
const COMPACT_AFTER_LINES = 5_000

export type DurableChange<T> = [key: string, value: T | undefined]

export class DurableMap<T> {
  private readonly entries = new Map<string, T>()
  private readonly snapshotFile: string
  private readonly journalFile: string
  private journal: number | undefined
  private journalLines = 0

  /**
   * Loads (or creates) the map `name` in `directory`.
   * @param log warned about journal lines that could not be read (a write cut short by a crash).
   */
  constructor(directory: string, name: string, log: Log = silentLog) {
    mkdirSync(directory, { recursive: true })
    this.snapshotFile = join(directory, `${name}.json`)
    this.journalFile = join(directory, `${name}.jsonl`)
    if (existsSync(this.snapshotFile)) {
      const snapshot = JSON.parse(readFileSync(this.snapshotFile, 'utf8')) as Record<string, T>
      for (const [key, value] of Object.entries(snapshot)) this.entries.set(key, value)
    }
    if (existsSync(this.journalFile)) {
      const lines = readFileSync(this.journalFile, 'utf8').split('\n')
      lines.forEach((line, index) => {
        if (line.trim() === '') return
        let changes: Array<[string, T | null]>
        try {
          changes = JSON.parse(line) as Array<[string, T | null]>
        } catch {
          log.warn({ file: this.journalFile, line: index + 1 }, `${this.journalFile}: line ${index + 1} is not whole (a write cut short by a crash?); ignored`)
          return
        }
        for (const [key, value] of changes) this.apply(key, value ?? undefined)
      })
    }
    this.compact()
  }

  get size(): number {
    return this.entries.size
  }

  get(key: string): T | undefined {
    return this.entries.get(key)
  }

  has(key: string): boolean {
    return this.entries.has(key)
  }

  /** Every entry, in the order the keys were first written. */
  [Symbol.iterator](): IterableIterator<[string, T]> {
    return this.entries.entries()
  }

  /** Applies the changes (value undefined = delete) and makes them durable, all or none, before returning. */
  write(changes: Array<DurableChange<T>>): void {
    if (changes.length === 0) return
    if (this.journal === undefined) throw new Error(`${this.journalFile} is closed`)
    const line = `${JSON.stringify(changes.map(([key, value]) => [key, value ?? null]))}\n`
    writeSync(this.journal, line)
    for (const [key, value] of changes) this.apply(key, value)
    if (++this.journalLines >= COMPACT_AFTER_LINES) this.compact()
  }

  set(key: string, value: T): void {
    this.write([[key, value]])
  }

  delete(key: string): void {
    if (this.entries.has(key)) this.write([[key, undefined]])
  }

  /** Stops writing; later writes throw. */
  close(): void {
    if (this.journal !== undefined) closeSync(this.journal)
    this.journal = undefined
  }

  /** Writes the whole map as the new snapshot (temp file + rename), then starts an empty journal. */
  private compact(): void {
    if (this.journal !== undefined) closeSync(this.journal)
    const temporary = `${this.snapshotFile}.${process.pid}.tmp`
    writeFileSync(temporary, JSON.stringify(Object.fromEntries(this.entries)))
    renameSync(temporary, this.snapshotFile)
    // Emptied only once the snapshot holds its changes: a crash in between replays them, harmlessly.
    this.journal = openSync(this.journalFile, 'w')
    this.journalLines = 0
  }

  private apply(key: string, value: T | undefined): void {
    if (value === undefined) this.entries.delete(key)
    else this.entries.set(key, value)
  }
}
