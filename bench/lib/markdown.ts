// Markdown for BENCHMARKS.md: tables, the machine description, and replacing one benchmark's section
// between its markers (`<!-- bench:<name>:start -->` … `<!-- bench:<name>:end -->`).
import os from 'node:os'

export function table(header: string[], rows: Array<Array<string | number>>): string {
  const line = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n')
}

export function machineDescription(): string {
  const cpus = os.cpus()
  const memoryGiB = (os.totalmem() / 1024 ** 3).toFixed(1)
  return `${cpus[0]?.model.trim() ?? 'unknown CPU'} × ${cpus.length}, ${memoryGiB} GiB RAM, ${os.type()} ${os.release()} (${os.arch()}), Node ${process.version}`
}

/** The 1-minute load average, and a warning when other work competes with the benchmark for the CPUs. */
export function loadDescription(): string {
  const [oneMinute = 0] = os.loadavg()
  const cpus = os.cpus().length
  const busy = oneMinute > cpus / 2 ? ' — other work was running; treat the numbers with caution' : ''
  return `1-minute load average ${oneMinute.toFixed(2)} on ${cpus} CPUs at the start${busy}`
}

function markers(name: string): { start: string; end: string } {
  return { start: `<!-- bench:${name}:start -->`, end: `<!-- bench:${name}:end -->` }
}

/** `document` with the named section replaced by `section`, or the section appended when absent. */
export function replaceMarkedSection(document: string, name: string, section: string): string {
  const { start, end } = markers(name)
  const block = `${start}\n${section.trim()}\n${end}`
  const from = document.indexOf(start)
  const to = document.indexOf(end)
  if (from === -1 && to === -1) return `${document.trimEnd()}\n\n${block}\n`
  if (from === -1 || to < from) throw new Error(`${start} and ${end} are not a pair; fix BENCHMARKS.md by hand`)
  return document.slice(0, from) + block + document.slice(to + end.length)
}
