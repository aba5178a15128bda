// The committed OpenAPI document (openapi/openapi.json) matches the route schemas and is valid OpenAPI.
import { readFile } from 'node:fs/promises'
import { Validator } from '@seriousme/openapi-schema-validator'
import t from 'tap'
import { buildOpenApiDocument, formatOpenApiDocument } from '../../scripts/openapi-document'

const committedPath = new URL('../../openapi/openapi.json', import.meta.url)
const document = await buildOpenApiDocument()

t.test('openapi/openapi.json is exactly what the routes generate', async (t) => {
  const committed = await readFile(committedPath, 'utf8')
  t.equal(committed, formatOpenApiDocument(document), 'out of date: run `npm run openapi` and commit the result')
})

t.test('the generated document is valid OpenAPI and documents the API', async (t) => {
  const result = await new Validator().validate(structuredClone(document))
  t.same({ valid: result.valid, errors: result.errors }, { valid: true, errors: undefined })
  t.equal(document.openapi, '3.0.3')
  t.ok(document.paths?.['/health'], 'GET /health is documented')
  t.notOk(Object.keys(document.paths ?? {}).some((path) => path.startsWith('/docs')), 'the docs UI routes are not part of the API')
})

t.test('the validator rejects a broken document (so the check above can fail)', async (t) => {
  const broken = { ...structuredClone(document), paths: { '/broken': { get: { summary: 'no responses' } } } }
  const result = await new Validator().validate(broken)
  t.equal(result.valid, false)
})

t.test('keys are sorted at every level, so the file does not depend on registration order', async (t) => {
  const unsorted: string[] = []
  const visit = (value: unknown, where: string) => {
    if (!value || typeof value !== 'object') return
    if (Array.isArray(value)) return value.forEach((item, index) => visit(item, `${where}[${index}]`))
    const keys = Object.keys(value)
    if (keys.join('\n') !== [...keys].sort().join('\n')) unsorted.push(where || '(root)')
    for (const key of keys) visit((value as Record<string, unknown>)[key], `${where}/${key}`)
  }
  visit(document, '')
  t.same(unsorted, [])
})
