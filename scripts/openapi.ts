// openapi/openapi.json, the committed OpenAPI document, generated from the route schemas.
//   tsx scripts/openapi.ts write   regenerate the file (`npm run openapi`)
//   tsx scripts/openapi.ts check   fail if the file is not what the routes generate (`npm test`, CI)
// Both modes fail when the generated document is not a valid OpenAPI document.
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Validator } from '@seriousme/openapi-schema-validator'
import { buildOpenApiDocument, formatOpenApiDocument } from './openapi-document'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const target = path.join(root, 'openapi', 'openapi.json')
const shownTarget = path.relative(process.cwd(), target)
const CONTEXT_LINES = 3

async function main(mode: string | undefined): Promise<number> {
  if (mode !== 'write' && mode !== 'check') {
    console.error('Usage: tsx scripts/openapi.ts write|check')
    return 2
  }
  const document = await buildOpenApiDocument()
  const validation = await new Validator().validate(structuredClone(document))
  if (!validation.valid) {
    console.error('The generated OpenAPI document is invalid:')
    console.error(JSON.stringify(validation.errors, null, 2))
    return 1
  }
  const generated = formatOpenApiDocument(document)

  if (mode === 'write') {
    await mkdir(path.dirname(target), { recursive: true })
    await writeFile(target, generated)
    console.log(`Wrote ${shownTarget} (${Object.keys(document.paths ?? {}).length} paths).`)
    return 0
  }

  const committed = await readFile(target, 'utf8').catch(() => undefined)
  if (committed === generated) {
    console.log(`${shownTarget} is up to date.`)
    return 0
  }
  console.error(
    committed === undefined
      ? `${shownTarget} does not exist.`
      : `${shownTarget} is out of date with the route schemas.\n${firstDifference(committed, generated)}`
  )
  console.error('Run `npm run openapi` and commit the result.')
  return 1
}

/** A few lines around the first line that differs, from both versions. */
function firstDifference(committed: string, generated: string): string {
  const before = committed.split('\n')
  const after = generated.split('\n')
  let line = 0
  while (line < before.length && before[line] === after[line]) line++
  const excerpt = (lines: string[], marker: string) =>
    lines
      .slice(Math.max(0, line - CONTEXT_LINES), line + CONTEXT_LINES + 1)
      .map((text, index) => `${index + Math.max(0, line - CONTEXT_LINES) === line ? marker : ' '} ${text}`)
      .join('\n')
  return [
    `First difference at line ${line + 1}:`,
    `--- committed`,
    excerpt(before, '-'),
    `+++ generated`,
    excerpt(after, '+')
  ].join('\n')
}

process.exitCode = await main(process.argv[2])
