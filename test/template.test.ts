// template.yaml is the single source of infrastructure: these checks hold it to DESIGN.md's
// invariants (only short-lived records expire; every consumed queue has a dead-letter queue) and to
// the code (every function's handler exists; every substitution of the state machine is used).
import t from 'tap'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadTemplate, resourcesOfType } from '../src/infra/template'
import { projectRootFrom } from '../src/infra/project-root'

const root = projectRootFrom(import.meta.url)
const template = loadTemplate(join(root, 'template.yaml'))

t.test('records that matter never expire by TTL; only short-lived ones do', async (t) => {
  const withTtl = resourcesOfType(template, 'AWS::DynamoDB::Table')
    .filter(([, table]) => (table.Properties?.TimeToLiveSpecification as { Enabled?: boolean } | undefined)?.Enabled)
    .map(([id]) => id)
    .sort()
  t.same(withTtl, ['IdempotencyTable', 'SessionsTable'])
  for (const id of ['UsersTable', 'OrdersTable', 'PaymentsTable', 'ProductsTable']) t.ok(template.Resources[id], `${id} exists`)
})

t.test('every queue a function consumes has a dead-letter queue', async (t) => {
  const consumed = resourcesOfType(template, 'AWS::Serverless::Function').flatMap(([, fn]) =>
    Object.values((fn.Properties?.Events ?? {}) as Record<string, { Type: string; Properties: { Queue: { 'Fn::GetAtt': [string, string] } } }>)
      .filter((event) => event.Type === 'SQS')
      .map((event) => event.Properties.Queue['Fn::GetAtt'][0])
  )
  t.ok(consumed.length >= 2, `consumed queues: ${consumed.join(', ')}`)
  for (const queueId of consumed) {
    const redrive = template.Resources[queueId]?.Properties?.RedrivePolicy as { maxReceiveCount?: number; deadLetterTargetArn?: unknown } | undefined
    t.ok(redrive?.deadLetterTargetArn, `${queueId} has a DLQ`)
    t.ok((redrive?.maxReceiveCount ?? 0) >= 1, `${queueId} has a maxReceiveCount`)
  }
})

t.test("every function's handler is a bundle of scripts/build.mjs whose source exports `handler`", async (t) => {
  t.equal(template.Globals?.Function?.CodeUri, 'dist/', 'functions deploy the prebuilt bundles')
  for (const [id, fn] of resourcesOfType(template, 'AWS::Serverless::Function')) {
    const handler = String(fn.Properties?.Handler)
    const bundle = handler.slice(0, handler.lastIndexOf('.'))
    t.equal(handler.slice(handler.lastIndexOf('.') + 1), 'handler', `${id}: exported name`)
    const source = join(root, 'src', `${bundle}.ts`)
    t.ok(existsSync(source), `${id}: ${bundle} is built from src/${bundle}.ts`)
    t.match(readFileSync(source, 'utf8'), /export (const|async function) handler/, `src/${bundle}.ts exports handler`)
    t.notOk(fn.Properties?.CodeUri, `${id} uses the global CodeUri`)
  }
})

t.test('the state machine uses every substitution it is given, and nothing else', async (t) => {
  const machines = resourcesOfType(template, 'AWS::Serverless::StateMachine')
  t.equal(machines.length, 1)
  const properties = machines[0]?.[1].Properties ?? {}
  const definition = readFileSync(join(root, String(properties.DefinitionUri)), 'utf8')
  const used = [...new Set([...definition.matchAll(/\$\{(\w+)\}/g)].map((match) => match[1]))].sort()
  t.same(used, Object.keys(properties.DefinitionSubstitutions as object).sort())
})
