// The README's deploy guide explains every parameter of template.yaml with its default: the table of
// "Deploy on AWS" must list exactly the template's parameters, each with the template's Default.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { projectRootFrom } from '../../src/infra/project-root'
import { loadTemplate } from '../../src/local/template/template'

const root = projectRootFrom(import.meta.url)
const template = loadTemplate(join(root, 'template.yaml'))
const readme = readFileSync(join(root, 'README.md'), 'utf8')

/** The guide's parameter table: name → default as written (`—` none, `empty`, or `value`). */
function parameterTable(markdown: string): Map<string, string> {
  const start = markdown.indexOf('\n## Deploy on AWS\n')
  if (start === -1) throw new Error('README.md has no "## Deploy on AWS" section')
  const end = markdown.indexOf('\n## ', start + 1)
  const section = markdown.slice(start, end === -1 ? undefined : end)
  const rows = section.split('\n').filter((line) => /^\| `[A-Za-z0-9]+` \|/.test(line))
  return new Map(rows.map((row) => {
    const [name = '', defaultText = ''] = row.split('|').slice(1, 3).map((cell) => cell.trim())
    return [name.replaceAll('`', ''), defaultText]
  }))
}

/** How the guide writes a parameter's Default. */
function written(value: unknown): string {
  if (value === undefined) return '—'
  if (value === '') return 'empty'
  return `\`${String(value)}\``
}

t.test('the deploy guide lists every template parameter, with its default', async (t) => {
  const table = parameterTable(readme)
  const parameters = Object.entries(template.Parameters ?? {})
  t.same([...table.keys()].sort(), parameters.map(([name]) => name).sort(), 'the same parameters')
  for (const [name, parameter] of parameters) t.equal(table.get(name), written(parameter.Default), `${name}: default`)
})

t.test('the check fails on a guide that misses a parameter or states a wrong default', async (t) => {
  const missing = parameterTable(readme.replace(/^\| `SecretsVersion` \|.*\n/m, ''))
  t.notOk(missing.has('SecretsVersion'))
  t.not(missing.size, Object.keys(template.Parameters ?? {}).length)
  const wrong = parameterTable(readme.replace(/^\| `Stage` \| `dev` \|/m, '| `Stage` | `prod` |'))
  t.not(wrong.get('Stage'), written(template.Parameters?.Stage?.Default))
})
