// Checks of a parsed JSON value that must not recurse: a body nested 10,000 levels deep parses fine
// (JSON.parse is iterative) but would overflow the stack of any recursive walk after it (our request
// fingerprint, JSON.stringify with a replacer, the DynamoDB marshaller). One explicit-stack walk finds
// the first problem; its cost is bounded by the body size (bodyLimit).

/** Deeper than any body our schemas accept, and than the 32 levels DynamoDB stores. */
export const MAX_JSON_DEPTH = 32

/** Keys that could reach an object's prototype if a body were ever merged with Object.assign. */
export const FORBIDDEN_JSON_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor'])

export type JsonShapeProblem = { kind: 'too-deep'; maxDepth: number } | { kind: 'forbidden-key'; key: string }

/** The first problem of `value` (too deep, or a forbidden key at any level), or undefined. */
export function jsonShapeProblem(value: unknown, maxDepth = MAX_JSON_DEPTH, checkKeys = true): JsonShapeProblem | undefined {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }]
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop() as { value: unknown; depth: number }
    if (current === null || typeof current !== 'object') continue
    if (depth >= maxDepth) return { kind: 'too-deep', maxDepth }
    if (Array.isArray(current)) {
      for (const item of current) stack.push({ value: item, depth: depth + 1 })
      continue
    }
    for (const key of Object.keys(current)) {
      if (checkKeys && FORBIDDEN_JSON_KEYS.has(key)) return { kind: 'forbidden-key', key }
      stack.push({ value: (current as Record<string, unknown>)[key], depth: depth + 1 })
    }
  }
  return undefined
}
