// The README's configuration table (and the list of what the API needs in aws mode), generated from
// src/config.ts so the two cannot drift:
//   tsx scripts/config-doc.ts write   rewrite the blocks between the markers in README.md (`npm run docs:config`)
//   tsx scripts/config-doc.ts check   fail if README.md is not what src/config.ts generates (test/repo/config-doc.test.ts)
// One row per variable of the config slices: the default and whether it is required come from the
// TypeBox schema; the meaning is the doc comment on the slice property that defines it (not on the
// ones that reuse it, e.g. `IDEMPOTENCY_TABLE: HttpSlice.IDEMPOTENCY_TABLE`), read with the TypeScript
// compiler so no description text ends up in the Lambda bundles; which entry points read it comes
// from each entry's composition root (src/composition/<entry>.ts exports <Entry>ConfigSchema).
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { OptionalKind, type TObject, type TSchema } from '@sinclair/typebox'
import ts from 'typescript'
import { ConfigSchema, REQUIRED_ON_AWS } from '../src/config'
import { workerEntries } from './build.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const CONFIG_FILE = path.join(root, 'src', 'config.ts')
export const README = path.join(root, 'README.md')
/** The generated blocks of README.md, each between `<!-- <name>:start … -->` and `<!-- <name>:end -->`. */
export const BLOCKS = ['config', 'config-api-required'] as const
export type BlockName = (typeof BLOCKS)[number]
export const startMarker = (name: BlockName) => `<!-- ${name}:start (generated from src/config.ts by \`npm run docs:config\`; do not edit) -->`
export const endMarker = (name: BlockName) => `<!-- ${name}:end -->`

export interface ConfigRow {
  variable: string
  defaultText: string
  required: string
  usedBy: string
  meaning: string
}

/** Variable → its doc comment, from the slice property that defines it (a call, not a reference). */
export function configDescriptions(source: string): Map<string, string> {
  const file = ts.createSourceFile(CONFIG_FILE, source, ts.ScriptTarget.Latest, true)
  const descriptions = new Map<string, string>()
  for (const statement of file.statements) {
    if (!ts.isVariableStatement(statement)) continue
    for (const declaration of statement.declarationList.declarations) {
      if (!ts.isIdentifier(declaration.name) || !declaration.name.text.endsWith('Slice')) continue
      if (!declaration.initializer || !ts.isObjectLiteralExpression(declaration.initializer)) continue
      for (const property of declaration.initializer.properties) {
        if (!ts.isPropertyAssignment(property) || !ts.isIdentifier(property.name)) continue
        if (ts.isPropertyAccessExpression(property.initializer)) continue // reuses another slice's setting
        const text = ts.getJSDocCommentsAndTags(property)
          .filter(ts.isJSDoc)
          .map((doc) => ts.getTextOfJSDocComment(doc.comment) ?? '')
          .join(' ')
          .replace(/\s+/g, ' ')
          .trim()
        descriptions.set(property.name.text, text)
      }
    }
  }
  return descriptions
}

/** Entry point name → the variables its composition root parses. */
async function entryVariables(): Promise<Map<string, Set<string>>> {
  const names = ['api', ...Object.keys(await workerEntries()).map((entry) => entry.slice('workers/'.length))]
  const entries = new Map<string, Set<string>>()
  for (const name of names) {
    const exportName = `${name.replace(/(^|-)([a-z])/g, (_, _dash: string, letter: string) => letter.toUpperCase())}ConfigSchema`
    const module = (await import(pathToFileURL(path.join(root, 'src', 'composition', `${name}.ts`)).href)) as Record<string, unknown>
    const schema = module[exportName] as TObject | undefined
    if (!schema?.properties) throw new Error(`src/composition/${name}.ts does not export ${exportName}`)
    entries.set(name, new Set(Object.keys(schema.properties)))
  }
  return entries
}

function formatDefault(variable: string, schema: TSchema): string {
  const value: unknown = schema.default
  if (variable === 'RUNTIME_MODE') return 'derived'
  if (value === undefined) return '—'
  if (value === '') return 'empty'
  if (typeof value === 'number' && variable.endsWith('_SECONDS') && value >= 60) {
    // Seconds are what the variable takes; the unit a person thinks in is added for reading.
    if (value > 86_400 && value % 86_400 === 0) return `\`${value}\` (${value / 86_400} days)`
    if (value % 3_600 === 0) return `\`${value}\` (${value / 3_600} h)`
    if (value % 60 === 0) return `\`${value}\` (${value / 60} min)`
  }
  return `\`${String(value)}\``
}

function formatRequired(variable: string, schema: TSchema): string {
  if ((REQUIRED_ON_AWS as readonly string[]).includes(variable)) return 'aws mode'
  if (variable === 'RUNTIME_MODE') return 'no' // derived when unset (src/config.ts runtimeMode)
  const optional = (schema as { [OptionalKind]?: unknown })[OptionalKind] === 'Optional'
  return optional || schema.default !== undefined ? 'no' : 'yes'
}

function allowedValues(schema: TSchema): string {
  if (!Array.isArray(schema.anyOf)) return ''
  const values = (schema.anyOf as Array<{ const?: unknown }>).map((option) => `\`${String(option.const)}\``)
  return ` One of ${values.join(', ')}.`
}

export async function configRows(): Promise<ConfigRow[]> {
  const descriptions = configDescriptions(await readFile(CONFIG_FILE, 'utf8'))
  const entries = await entryVariables()
  const rows: ConfigRow[] = []
  for (const [variable, schema] of Object.entries(ConfigSchema.properties as Record<string, TSchema>)) {
    const description = descriptions.get(variable)
    if (!description) throw new Error(`src/config.ts: ${variable} has no doc comment; describe it on the slice property that defines it`)
    const users = [...entries].filter(([, variables]) => variables.has(variable)).map(([name]) => name)
    const usedBy = users.length === entries.size ? 'all' : users.length === 0 ? 'local mode only' : users.map((name) => `\`${name}\``).join(', ')
    const secret = schema.secret === true ? ' Secret: a config error does not show its value.' : ''
    rows.push({
      variable,
      defaultText: formatDefault(variable, schema),
      required: formatRequired(variable, schema),
      usedBy,
      meaning: `${description}${allowedValues(schema)}${secret}`
    })
  }
  return rows
}

const cell = (text: string) => text.replaceAll('|', '\\|')

export async function renderConfigTable(rows: ConfigRow[]): Promise<string> {
  const lines = [
    '| variable | default | required | read by | meaning |',
    '|---|---|---|---|---|',
    ...rows.map((row) => `| \`${row.variable}\` | ${cell(row.defaultText)} | ${row.required} | ${row.usedBy} | ${cell(row.meaning)} |`)
  ]
  return `${lines.join('\n')}\n`
}

/** The variables the API (Lambda or container) cannot start without in aws mode, as one Markdown line. */
export function renderApiRequired(rows: ConfigRow[]): string {
  const required = rows.filter((row) => row.required !== 'no' && (row.usedBy === 'all' || row.usedBy.includes('`api`')))
  return `${required.map((row) => `\`${row.variable}\``).join(', ')}\n`
}

export async function generatedBlocks(): Promise<Record<BlockName, string>> {
  const rows = await configRows()
  return { config: await renderConfigTable(rows), 'config-api-required': renderApiRequired(rows) }
}

/** `readme` with each block's text between its markers replaced; throws when markers are missing. */
export function withGeneratedBlocks(readme: string, blocks: Record<BlockName, string>): string {
  let text = readme
  for (const name of BLOCKS) {
    const start = text.indexOf(startMarker(name))
    const end = text.indexOf(endMarker(name))
    if (start === -1 || end === -1 || end < start) throw new Error(`README.md needs the lines ${startMarker(name)} and ${endMarker(name)}`)
    text = `${text.slice(0, start + startMarker(name).length)}\n${blocks[name]}${text.slice(end)}`
  }
  return text
}

async function main(mode: string | undefined): Promise<number> {
  if (mode !== 'write' && mode !== 'check') {
    console.error('Usage: tsx scripts/config-doc.ts write|check')
    return 2
  }
  const readme = await readFile(README, 'utf8')
  const generated = withGeneratedBlocks(readme, await generatedBlocks())
  if (mode === 'write') {
    if (generated !== readme) await writeFile(README, generated)
    console.log(generated === readme ? 'README.md configuration blocks are up to date.' : 'Rewrote the configuration blocks in README.md.')
    return 0
  }
  if (generated === readme) {
    console.log('README.md configuration blocks are up to date.')
    return 0
  }
  console.error('README.md configuration blocks differ from src/config.ts: run `npm run docs:config`.')
  return 1
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv[2])
}
