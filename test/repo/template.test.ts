// template.yaml is the single source of infrastructure: these checks hold it to DESIGN.md's
// invariants (only short-lived records expire; every consumed queue has a dead-letter queue) and to
// the code (every function's handler exists; every substitution of the state machine is used).
import t from 'tap'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { TObject } from '@sinclair/typebox'
import { loadTemplate, resourcesOfType } from '../../src/local/template/template'
import { projectRootFrom } from '../../src/infra/project-root'
import { bundleOf, CONFIG_SCHEMA_BY_BUNDLE, SECRET_VARIABLES } from '../helpers/entry-configs'

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

t.test('the outbox is relayed from its table stream, with partial batch failures and an on-failure queue, plus a scheduled backstop', async (t) => {
  const outbox = template.Resources.OutboxTable?.Properties ?? {}
  t.same(outbox.StreamSpecification, { StreamViewType: 'KEYS_ONLY' })
  t.notOk(outbox.TimeToLiveSpecification, 'an unpublished event never expires')
  const events = (template.Resources.OutboxRelayFunction?.Properties?.Events ?? {}) as Record<string, { Type: string; Properties: Record<string, unknown> }>
  const stream = Object.values(events).find((event) => event.Type === 'DynamoDB')
  t.same(stream?.Properties.Stream, { 'Fn::GetAtt': ['OutboxTable', 'StreamArn'] })
  t.same(stream?.Properties.FunctionResponseTypes, ['ReportBatchItemFailures'])
  t.same((stream?.Properties.DestinationConfig as { OnFailure?: { Destination?: unknown } }).OnFailure?.Destination, { 'Fn::GetAtt': ['OutboxRelayDeadLetterQueue', 'Arn'] })
  t.ok(Object.values(events).some((event) => event.Type === 'Schedule'), 'a scheduled backstop')
})

t.test('the recovery sweeper runs on a schedule and may describe and start the saga executions', async (t) => {
  const sweeper = template.Resources.RecoverySweeperFunction?.Properties ?? {}
  t.equal(sweeper.Handler, 'workers/recovery-sweeper.handler')
  const events = Object.values((sweeper.Events ?? {}) as Record<string, { Type: string; Properties: { Schedule?: string } }>)
  t.same(events.map((event) => [event.Type, event.Properties.Schedule]), [['Schedule', 'rate(1 minute)']])
  const policies = JSON.stringify(sweeper.Policies)
  t.match(policies, /states:StartExecution/)
  t.match(policies, /states:DescribeExecution/)
  const orders = template.Resources.OrdersTable?.Properties?.GlobalSecondaryIndexes as Array<{ IndexName: string; KeySchema: Array<{ AttributeName: string }> }>
  t.same(orders.find((index) => index.IndexName === 'byStatus')?.KeySchema.map((key) => key.AttributeName), ['status', 'createdAt'], 'stranded orders are found by index, never by a scan')
})

t.test('the task-token callbacks (states:SendTask*) are granted on Resource "*", the only resource IAM accepts for them', async (t) => {
  interface Statement {
    Effect?: string
    Action?: string | string[]
    Resource?: unknown
  }
  const granted = new Map<string, Set<string>>()
  for (const [id, fn] of resourcesOfType(template, 'AWS::Serverless::Function')) {
    const policies = (fn.Properties?.Policies ?? []) as Array<{ Statement?: Statement[] }>
    for (const statement of policies.flatMap((policy) => policy.Statement ?? [])) {
      const actions = [statement.Action ?? []].flat()
      const callbacks = actions.filter((action) => /^states:SendTask/.test(action))
      if (callbacks.length === 0) continue
      // A state machine or execution ARN here denies every call: payments would never resume the saga.
      t.equal(statement.Resource, '*', `${id}: ${callbacks.join(', ')} on "*"`)
      t.same(actions, callbacks, `${id}: the "*" statement grants the callbacks only`)
      for (const action of callbacks) granted.set(id, (granted.get(id) ?? new Set()).add(action))
    }
  }
  // Who resumes or fails a waiting saga: the payment-event consumer resumes it; a cancel (the API, the
  // saga's own cancel step, the sweeper's) fails it. Each only the callback it makes (template-iam.test.ts).
  const callbacks: Record<string, string[]> = {
    ApiFunction: ['states:SendTaskFailure'],
    OrderSagaFunction: ['states:SendTaskFailure'],
    RecoverySweeperFunction: ['states:SendTaskFailure'],
    OrderEventsFunction: ['states:SendTaskSuccess']
  }
  for (const [id, actions] of Object.entries(callbacks)) t.same([...(granted.get(id) ?? [])].sort(), actions, `${id} may call back`)
})

t.test("every function's environment holds what its composition root's config slice requires (its secrets by SSM parameter name), and no secret", async (t) => {
  const { loadConfigOf } = await import('../../src/config')
  const { placeholderFunctionEnvironment, placeholderSecretParameters } = await import('../../src/local/template/placeholder-environment')
  const { SECRET_PARAMETERS, withSecrets } = await import('../../src/composition/secrets')
  const schemas = CONFIG_SCHEMA_BY_BUNDLE
  const secrets = SECRET_VARIABLES
  t.ok(secrets.includes('JWT_SECRET') && secrets.includes('STRIPE_SECRET_KEY'), `secrets: ${secrets.join(', ')}`)
  const functions = resourcesOfType(template, 'AWS::Serverless::Function')
  t.same(functions.map(([, fn]) => bundleOf(fn)).sort(), Object.keys(schemas).sort(), 'one root per function')
  for (const [id, fn] of functions) {
    const schema = schemas[bundleOf(fn)] as TObject
    const env = placeholderFunctionEnvironment(template, id)
    // On AWS (a missing Stripe key is an error there, not locally), once the secrets its environment
    // names are read from SSM (here: placeholder values by those names).
    const parameterStore = placeholderSecretParameters(env)
    const resolved = await withSecrets(schema, { ...env, RUNTIME_MODE: 'aws' }, async () => ({
      read: async (names) => new Map(names.map((name) => [name, parameterStore[name] ?? '']))
    }))
    t.doesNotThrow(() => loadConfigOf(schema, resolved), `${id}: its environment satisfies its config slice`)
    t.same(secrets.filter((secret) => secret in env), [], `${id}: no secret value in its environment`)
    const used = new Set(Object.keys(schema.properties))
    const parameterVariables = Object.values(SECRET_PARAMETERS) as string[]
    t.same(parameterVariables.filter((variable) => variable in env && !used.has(variable)), [], `${id}: no secret parameter it does not use`)
  }
  // The split is real: the workers that never call Stripe or sign tokens get neither key.
  const namesAny = (env: Record<string, string>, secret: keyof typeof SECRET_PARAMETERS) => secret in env || SECRET_PARAMETERS[secret] in env
  for (const id of ['OutboxRelayFunction', 'OrderEventsFunction']) {
    const env = placeholderFunctionEnvironment(template, id)
    t.notOk(namesAny(env, 'STRIPE_SECRET_KEY') || namesAny(env, 'JWT_SECRET'), `${id} gets no Stripe key and no JWT secret`)
  }
  t.notOk(namesAny(placeholderFunctionEnvironment(template, 'NotificationFunction'), 'STRIPE_SECRET_KEY'), 'the notification worker gets no Stripe key')
})
