// The compilers that compile a route's schemas when the app is built: our Ajv validator
// (src/plugins/validator-compiler.ts) and Fastify's own fast-json-stringify serializer compiler.
// dist/lambda.mjs replaces this module with one that throws (scripts/build.mjs): its routes are all
// compiled at build time, so neither Ajv nor fast-json-stringify's compiler is in that bundle.
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler'
import type { SchemaCompilers } from './schema-compilers'
import { buildValidator } from './validator-compiler'

export const runtimeSchemaCompilers = {
  buildValidator,
  buildSerializer: SerializerSelector()
} as unknown as SchemaCompilers
