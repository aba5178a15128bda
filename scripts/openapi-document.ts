// The OpenAPI document of the API, generated from the route schemas without touching any service: the
// app is built with placeholder config and services that are never called (routes are registered,
// no request is served). Used by scripts/openapi.ts (openapi/openapi.json) and test/repo/openapi.test.ts;
// not part of any bundle.
import { join } from 'node:path'
import { buildApp } from '../src/app'
import { loadConfig } from '../src/config'
import { apiFunctionId, placeholderFunctionEnvironment, withPlaceholderSecrets } from '../src/local/template/placeholder-environment'
import { projectRootFrom } from '../src/infra/project-root'
import { loadTemplate } from '../src/local/template/template'
import { createLogger } from '../src/logger'
import type { Services } from '../src/services/index'

export interface OpenApiDocument {
  paths?: Record<string, unknown>
  [key: string]: unknown
}

/** The document with every object's keys sorted, so it does not depend on registration order. */
export async function buildOpenApiDocument(): Promise<OpenApiDocument> {
  // The API function's settings from template.yaml (the only file read): whatever the config requires.
  const template = loadTemplate(join(projectRootFrom(import.meta.url), 'template.yaml'))
  const config = loadConfig({ ...withPlaceholderSecrets(placeholderFunctionEnvironment(template, apiFunctionId(template))), RUNTIME_MODE: 'aws', LOG_LEVEL: 'silent' })
  const app = await buildApp({
    config,
    services: uncallableServices(),
    authenticate: async () => undefined,
    logger: createLogger(config)
  })
  try {
    await app.ready()
    return sortKeys(app.swagger()) as OpenApiDocument
  } finally {
    await app.close()
  }
}

/** The committed file's format: 2-space JSON with a trailing newline. */
export function formatOpenApiDocument(document: OpenApiDocument): string {
  return `${JSON.stringify(document, null, 2)}\n`
}

/**
 * Stands in for every service, present and future: route plugins may take a service when they are
 * registered, but calling any method means the document build did I/O, so it throws.
 */
export function uncallableServices(): Services {
  const service = (serviceName: string) =>
    new Proxy(
      {},
      {
        get(_target, member) {
          // `then` is probed when a value is awaited; it must not look like a thenable.
          if (typeof member === 'symbol' || member === 'then') return undefined
          return () => {
            throw new Error(`${serviceName}.${member}() was called while building the OpenAPI document`)
          }
        }
      }
    )
  return new Proxy({}, { get: (_target, name) => (typeof name === 'symbol' ? undefined : service(name)) }) as Services
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (!value || typeof value !== 'object') return value
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])])
  )
}
