// Adding a hook to one route from an onRoute hook: a route's hook option may be absent, one function
// or a list, and the route's own hooks must stay (ours run after them).
export function withHook<T>(existing: T | T[] | undefined, hook: T): T[] {
  return existing === undefined ? [hook] : Array.isArray(existing) ? [...existing, hook] : [existing, hook]
}
