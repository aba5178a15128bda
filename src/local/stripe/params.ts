// Stripe simulator: typed reads of form parameters, refusing bad ones with Stripe's messages and codes.
import type { FormObject, FormValue } from './form'
import { invalidRequest } from './objects'

/** Refuses parameters outside `allowed`, as Stripe does (it never ignores a parameter). */
export function allowOnly(params: FormObject, allowed: readonly string[]): void {
  for (const name of Object.keys(params)) {
    if (!allowed.includes(name)) {
      throw invalidRequest(`Received unknown parameter: ${name} (the local Stripe simulator supports ${allowed.join(', ')})`, {
        code: 'parameter_unknown',
        param: name
      })
    }
  }
}

export function requireParam<T>(name: string, value: T | undefined): T {
  if (value === undefined) throw invalidRequest(`Missing required param: ${name}.`, { code: 'parameter_missing', param: name })
  return value
}

export function stringParam(params: FormObject, name: string): string | undefined {
  const value = params[name]
  if (value === undefined) return undefined
  if (typeof value !== 'string') throw invalidRequest(`Invalid string: ${name} must be a string, not an object.`, { code: 'parameter_invalid_string', param: name })
  return value
}

export function integerParam(params: FormObject, name: string): number | undefined {
  const value = stringParam(params, name)
  if (value === undefined) return undefined
  if (!/^\d{1,8}$/.test(value)) {
    throw invalidRequest(/^\d+$/.test(value) ? `This value must be less than or equal to 99999999 (it currently is '${value}').` : `Invalid integer: ${value}`, {
      code: 'parameter_invalid_integer',
      param: name
    })
  }
  return Number(value)
}

export function booleanParam(params: FormObject, name: string): boolean | undefined {
  const value = stringParam(params, name)
  if (value === undefined) return undefined
  if (value !== 'true' && value !== 'false') throw invalidRequest(`Invalid boolean: ${value}`, { code: 'parameter_invalid_boolean', param: name })
  return value === 'true'
}

export function enumParam<T extends string>(params: FormObject, name: string, values: readonly T[]): T | undefined {
  const value = stringParam(params, name)
  if (value === undefined) return undefined
  if (!(values as readonly string[]).includes(value)) {
    throw invalidRequest(`Invalid ${name}: must be one of ${values.join(', ')}`, { code: 'parameter_invalid_string', param: name })
  }
  return value as T
}

export function objectParam(params: FormObject, name: string): FormObject | undefined {
  const value: FormValue | undefined = params[name]
  // An empty string unsets a hash in Stripe's API.
  if (value === undefined || value === '') return undefined
  if (typeof value === 'string') throw invalidRequest(`Invalid object: ${name} must be a hash.`, { param: name })
  return value
}

/** Stripe's limits: 50 keys, keys up to 40 characters, values up to 500. */
export function metadataParam(params: FormObject): Record<string, string> {
  const metadata = objectParam(params, 'metadata') ?? {}
  const entries = Object.entries(metadata)
  if (entries.length > 50) throw invalidRequest('You can specify up to 50 keys in metadata.', { param: 'metadata' })
  const result: Record<string, string> = {}
  for (const [key, value] of entries) {
    const param = `metadata[${key}]`
    if (typeof value !== 'string') throw invalidRequest(`Invalid value for ${param}: metadata values must be strings.`, { param })
    if (key.length > 40) throw invalidRequest(`Metadata keys can have up to 40 characters; ${key} has ${key.length}.`, { param })
    // An empty value unsets the key.
    if (value === '') continue
    if (value.length > 500) throw invalidRequest(`Metadata values can have up to 500 characters; ${param} has ${value.length}.`, { param })
    result[key] = value
  }
  return result
}
