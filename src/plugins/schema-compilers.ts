// Fastify's schema compilers (the `schemaController.compilersFactory` server option). A route's
// validators and response serializers come from the set compiled at build time when there is one
// (dist/lambda.mjs: compiling them was ~250 ms of its cold start), else they are compiled when the app
// is built (tests, `npm start`, tsx: the set is empty there, src/plugins/precompiled-schemas.ts). Both
// ways give the same functions: the same Ajv instances and options generate the build-time code
// (scripts/compile-schemas.ts), and validators get the same clearer messages.
import type { ValidateFunction } from 'ajv'
import type { FastifyServerOptions } from 'fastify'
import { precompiledSchemas, type PrecompiledSchemas } from './precompiled-schemas'
import { runtimeSchemaCompilers } from './runtime-schema-compilers'
import { withClearMessages } from './validation-messages'

/** What Fastify passes to a validator compiler for one part of one route. */
export interface ValidatorRoute {
  schema: unknown
  method: string | string[]
  url: string
  httpPart?: string
  contentType?: string
}

/** What Fastify passes to a serializer compiler for one status (and content type) of one route. */
export interface SerializerRoute {
  schema: unknown
  method: string | string[]
  url: string
  httpStatus: string
  contentType?: string
}

export type Serializer = (data: unknown) => string

/** The factories as Fastify calls them (its published types describe @fastify/ajv-compiler's own). */
export interface SchemaCompilers {
  buildValidator(externalSchemas: Record<string, unknown>, options?: unknown): (route: ValidatorRoute) => ValidateFunction
  buildSerializer(externalSchemas: Record<string, unknown>, options?: Record<string, unknown>): (route: SerializerRoute) => Serializer
}

export type FastifyCompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>

export function asFastifyCompilersFactory(compilers: SchemaCompilers): FastifyCompilersFactory {
  return compilers as unknown as FastifyCompilersFactory
}

/** The key of a validator in the build-time set: one per method, URL, request part (and content type). */
export function validatorKey({ method, url, httpPart, contentType }: ValidatorRoute): string {
  return [String(method), url, httpPart ?? '', contentType ?? ''].join(' ')
}

/** The key of a serializer in the build-time set: one per method, URL, status (and content type). */
export function serializerKey({ method, url, httpStatus, contentType }: SerializerRoute): string {
  return [String(method), url, httpStatus, contentType ?? ''].join(' ')
}

/**
 * Compilers that take each route's function from `precompiled` and compile (with `fallback`) only the
 * ones it lacks; the fallback compiler (an Ajv instance per call) is created only if one is needed.
 */
export function createSchemaCompilers(precompiled: PrecompiledSchemas, fallback: SchemaCompilers): SchemaCompilers {
  return {
    buildValidator(externalSchemas, options) {
      let compile: ((route: ValidatorRoute) => ValidateFunction) | undefined
      return (route) => {
        const restore = precompiled.validators[validatorKey(route)]
        if (restore) return withClearMessages(restore())
        compile ??= fallback.buildValidator(externalSchemas, options)
        return compile(route)
      }
    },
    buildSerializer(externalSchemas, options) {
      let compile: ((route: SerializerRoute) => Serializer) | undefined
      return (route) => {
        const restore = precompiled.serializers[serializerKey(route)]
        if (restore) return restore()
        compile ??= fallback.buildSerializer(externalSchemas, options)
        return compile(route)
      }
    }
  }
}

/** The app's compilers: build-time compiled where the bundle has them, compiled now otherwise. */
export const schemaCompilers = asFastifyCompilersFactory(createSchemaCompilers(precompiledSchemas, runtimeSchemaCompilers))
