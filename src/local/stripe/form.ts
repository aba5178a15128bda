// Stripe simulator: request bodies as Stripe's v1 API takes them, form-encoded with nested keys
// (`metadata[orderId]=o1`, `expand[0]=latest_charge`), read into plain objects.

export type FormValue = string | FormObject
export interface FormObject {
  [key: string]: FormValue
}

export class FormError extends Error {
  constructor(readonly param: string, message: string) {
    super(message)
    this.name = 'FormError'
  }
}

/** `a[b][c]=v` → `{ a: { b: { c: 'v' } } }`. Array indexes stay object keys (`{ '0': ... }`). */
export function parseForm(body: string): FormObject {
  const root: FormObject = {}
  for (const [name, value] of new URLSearchParams(body)) {
    const path = keyPath(name)
    let node = root
    for (const [index, key] of path.entries()) {
      if (index === path.length - 1) {
        if (typeof node[key] === 'object') throw new FormError(name, `Invalid value for ${name}: it is also given as an object.`)
        node[key] = value
        break
      }
      const next = node[key] ?? {}
      if (typeof next === 'string') throw new FormError(name, `Invalid object: ${path.slice(0, index + 1).join('.')} is also given as a string.`)
      node[key] = next
      node = next
    }
  }
  return root
}

function keyPath(name: string): string[] {
  const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(name)
  if (!match) throw new FormError(name, `Invalid parameter name: ${name}`)
  const [, head, rest] = match as unknown as [string, string, string]
  return [head, ...[...rest.matchAll(/\[([^[\]]*)\]/g)].map((part) => part[1] as string)]
}

/** A stable text of the parameters: the same request always gives the same fingerprint. */
export function canonicalForm(value: FormValue): string {
  if (typeof value === 'string') return JSON.stringify(value)
  return `{${Object.keys(value)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalForm(value[key] as FormValue)}`)
    .join(',')}}`
}
