// ASL reference paths (`$.a.b`, `$['a'][0]`, `$$.Execution.Input.x`): the single-node JSONPath subset
// that TimeoutSecondsPath and HeartbeatSecondsPath accept. The local Step Functions runner reads
// these itself: aws-local-stepfunctions resolves them against the Task's Parameters, AWS against the
// state input.

const SEGMENT = /^(?:\.([^.[\]]+)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\])/

/** The path's segments after its root, or undefined when it is not a reference path. */
function segmentsOf(path: string): { root: '$' | '$$'; segments: Array<string | number> } | undefined {
  const root = path.startsWith('$$') ? '$$' : path.startsWith('$') ? '$' : undefined
  if (!root) return undefined
  const segments: Array<string | number> = []
  let rest = path.slice(root.length)
  while (rest.length > 0) {
    const match = SEGMENT.exec(rest)
    if (!match) return undefined
    const [whole, dotted, index, singleQuoted, doubleQuoted] = match
    segments.push(index !== undefined ? Number(index) : (dotted ?? singleQuoted ?? doubleQuoted ?? ''))
    rest = rest.slice(whole.length)
  }
  return { root, segments }
}

export function isReferencePath(path: string): boolean {
  return segmentsOf(path) !== undefined
}

/** The node `path` selects in `input` (`$…`) or in the context object (`$$…`); undefined if absent. */
export function readReferencePath(path: string, input: unknown, context: unknown): unknown {
  const parsed = segmentsOf(path)
  if (!parsed) throw new Error(`'${path}' is not a reference path`)
  let node = parsed.root === '$$' ? context : input
  for (const segment of parsed.segments) {
    if (node === null || typeof node !== 'object') return undefined
    node = (node as Record<string | number, unknown>)[segment]
  }
  return node
}

