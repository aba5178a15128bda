// Collects JSON log lines in memory so tests can assert what was (and was not) logged.
import { Writable } from 'node:stream'

export class LogCapture extends Writable {
  readonly lines: Array<Record<string, unknown>> = []

  override _write(chunk: Buffer, _encoding: string, done: () => void) {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) this.lines.push(JSON.parse(line))
    done()
  }

  text(): string {
    return this.lines.map((line) => JSON.stringify(line)).join('\n')
  }
}
