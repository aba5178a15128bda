// The route validators and response serializers compiled at build time, by route key (see
// src/plugins/schema-compilers.ts). Empty here, so tests, `npm start` and tsx compile every schema when
// the app is built; for dist/lambda.mjs, scripts/build.mjs replaces this module with the code that
// scripts/compile-schemas.ts generates from the routes of src/app.ts (same export, filled in).
import type { ValidateFunction } from 'ajv'

export interface PrecompiledSchemas {
  /** Route key → the raw Ajv validator (created on first use). */
  validators: Record<string, () => ValidateFunction>
  /** Route key → the fast-json-stringify serializer (created on first use). */
  serializers: Record<string, () => (data: unknown) => string>
}

export const precompiledSchemas: PrecompiledSchemas = { validators: {}, serializers: {} }
