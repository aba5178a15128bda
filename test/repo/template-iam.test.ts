// Least privilege, function by function (issue 11): every grant of every function is listed here,
// and the template must grant exactly these, nothing more (an unused grant is attack surface) and
// nothing less (a missing one is an AccessDenied that only shows on AWS: DynamoDB Local and the
// embedded runtime never check IAM). The lists follow each function's composition root
// (src/composition/) and the adapters it builds; the cross-checks below tie them to the code.
import t from 'tap'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { TObject } from '@sinclair/typebox'
import { loadTemplate, parseTemplate, resourcesOfType, type CloudFormationTemplate } from '../../src/local/template/template'
import { projectRootFrom } from '../../src/infra/project-root'
import { bundleOf, CONFIG_SCHEMA_BY_BUNDLE } from '../helpers/entry-configs'
import { grantProblems, functionGrants } from '../helpers/template-checks'

const root = projectRootFrom(import.meta.url)
const templateText = readFileSync(join(root, 'template.yaml'), 'utf8')
const template = loadTemplate(join(root, 'template.yaml'))

const table = (id: string, ...actions: string[]) => actions.map((action) => `dynamodb:${action} \${${id}.Arn}`)
const indexes = (id: string, ...names: string[]) => names.map((name) => `dynamodb:Query \${${id}.Arn}/index/${name}`)
const parameter = (name: string) => `ssm:GetParameters arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter\${${name}}`
const SEND_MAIL = 'ses:SendEmail arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${MailIdentity}'
const STRIPE_SECRETS = [parameter('StripeSecretKeyParameter'), parameter('StripeWebhookSecretParameter')]

/** Every function's grants: `action resource`, resources as written in the template. */
const EXPECTED: Record<string, string[]> = {
  // The HTTP API (src/composition/api.ts). Events go to the outbox only (no sns:Publish); a cancel
  // fails the saga's waiting task; orders start the saga.
  ApiFunction: [
    ...table('UsersTable', 'GetItem', 'PutItem', 'UpdateItem', 'DescribeTable'),
    ...indexes('UsersTable', 'byId'),
    ...table('SessionsTable', 'GetItem', 'PutItem', 'UpdateItem'),
    ...indexes('SessionsTable', 'byUser'),
    ...table('IdempotencyTable', 'GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'),
    ...table('ProductsTable', 'GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem', 'Scan'),
    ...indexes('ProductsTable', 'byListing'),
    ...table('OrdersTable', 'GetItem', 'BatchGetItem', 'PutItem', 'UpdateItem'),
    ...indexes('OrdersTable', 'byUser', 'byStatus', 'byCreatedAt'),
    ...table('PaymentsTable', 'GetItem', 'PutItem', 'UpdateItem'),
    ...indexes('PaymentsTable', 'byOrder'),
    ...table('OutboxTable', 'PutItem'),
    'states:StartExecution ${OrderProcessingStateMachine}',
    'states:SendTaskFailure *',
    parameter('JwtSecretParameter'),
    ...STRIPE_SECRETS
  ],
  // The saga's steps (src/composition/saga.ts): no order or payment is created, nothing listed or mailed.
  OrderSagaFunction: [
    ...table('OrdersTable', 'GetItem', 'UpdateItem'),
    ...table('ProductsTable', 'UpdateItem'),
    ...table('PaymentsTable', 'GetItem', 'UpdateItem'),
    ...indexes('PaymentsTable', 'byOrder'),
    ...table('OutboxTable', 'PutItem'),
    'states:SendTaskFailure *',
    ...STRIPE_SECRETS
  ],
  // The saga's steps, plus the searches for stranded orders and due refunds, and (re)starting sagas.
  RecoverySweeperFunction: [
    ...table('OrdersTable', 'GetItem', 'UpdateItem'),
    ...indexes('OrdersTable', 'byStatus', 'byRefundDue'),
    ...table('ProductsTable', 'UpdateItem'),
    ...table('PaymentsTable', 'GetItem', 'UpdateItem'),
    ...indexes('PaymentsTable', 'byOrder', 'byStatus'),
    ...table('OutboxTable', 'PutItem'),
    'states:StartExecution ${OrderProcessingStateMachine}',
    'states:DescribeExecution arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:execution:${AWS::StackName}-order-processing:*',
    'states:SendTaskFailure *',
    ...STRIPE_SECRETS
  ],
  // The only publisher to SNS (stream reading and its on-failure queue: SAM grants them for the event source).
  OutboxRelayFunction: [
    ...table('OutboxTable', 'GetItem', 'UpdateItem', 'DeleteItem', 'Scan'),
    'sns:Publish ${UserEventsTopic}',
    'sns:Publish ${OrderEventsTopic}',
    'sns:Publish ${PaymentEventsTopic}'
  ],
  // Payment outcomes resume the saga (SagaPaymentResumption): one read, one callback.
  OrderEventsFunction: [...table('OrdersTable', 'GetItem'), 'states:SendTaskSuccess *'],
  // Emails: claims on events (DynamoEventClaims), the user of a password reset (nonce), the order told about.
  NotificationFunction: [
    ...table('IdempotencyTable', 'GetItem', 'PutItem', 'DeleteItem'),
    ...table('UsersTable', 'GetItem', 'UpdateItem'),
    ...table('OrdersTable', 'GetItem'),
    SEND_MAIL,
    parameter('JwtSecretParameter')
  ]
}

t.test('every function is listed, and grants exactly its list', async (t) => {
  const functions = resourcesOfType(template, 'AWS::Serverless::Function').map(([id]) => id)
  t.same(functions.sort(), Object.keys(EXPECTED).sort(), 'the functions of the template are those listed here')
  for (const id of functions) t.same(grantProblems(template, id, EXPECTED[id] ?? []), [], `${id}: grants as listed`)
})

t.test('a grant added, one removed, a SAM policy template or a Deny each fail the check', async (t) => {
  const broken = (edit: (text: string) => string) => {
    const text = edit(templateText)
    // An edit that no longer applies would prove nothing.
    if (text === templateText) throw new Error('the broken copy is the template itself: update this test to the template')
    return parseTemplate(text)
  }
  // An extra action in the outbox relay's statement.
  const extra = broken((text) => text.replace('Action: [dynamodb:GetItem, dynamodb:UpdateItem, dynamodb:DeleteItem, dynamodb:Scan]', 'Action: [dynamodb:GetItem, dynamodb:UpdateItem, dynamodb:DeleteItem, dynamodb:Scan, dynamodb:PutItem]'))
  t.match(grantProblems(extra, 'OutboxRelayFunction', EXPECTED.OutboxRelayFunction ?? []), [/extra grant dynamodb:PutItem \$\{OutboxTable.Arn\}/])
  // The order-events worker without its callback.
  const missing = broken((text) => text.replace("Action: states:SendTaskSuccess\n              Resource: '*'", "Action: states:SendTaskSuccess\n              Resource: !Ref OrderProcessingStateMachine"))
  t.match(grantProblems(missing, 'OrderEventsFunction', EXPECTED.OrderEventsFunction ?? []), [/extra grant states:SendTaskSuccess \$\{OrderProcessingStateMachine\}/, /missing grant states:SendTaskSuccess \*/])
  // A SAM policy template grants what the list cannot see (DynamoDBCrudPolicy: Scan, DeleteItem, BatchWriteItem, ...).
  const crud: CloudFormationTemplate = structuredClone(template)
  ;(crud.Resources.OrderEventsFunction?.Properties?.Policies as unknown[]).push({ DynamoDBCrudPolicy: { TableName: { Ref: 'OrdersTable' } } })
  t.match(grantProblems(crud, 'OrderEventsFunction', EXPECTED.OrderEventsFunction ?? []), [/not an inline \{ Statement/])
  const managed: CloudFormationTemplate = structuredClone(template)
  ;(managed.Resources.OrderEventsFunction?.Properties?.Policies as unknown[]).push('AmazonDynamoDBFullAccess')
  t.match(grantProblems(managed, 'OrderEventsFunction', EXPECTED.OrderEventsFunction ?? []), [/not an inline \{ Statement/])
  const conditioned: CloudFormationTemplate = structuredClone(template)
  ;(conditioned.Resources.OrderEventsFunction?.Properties?.Policies as unknown[]).push({ Statement: [{ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }] })
  t.match(grantProblems(conditioned, 'OrderEventsFunction', EXPECTED.OrderEventsFunction ?? []), [/not a plain Allow/])
})

/** The grants of `functionId` whose action starts with `prefix`. */
function grantsOf(functionId: string, prefix: string): string[] {
  return functionGrants(template, functionId).grants.filter((grant) => grant.startsWith(prefix))
}

t.test("SSM: each function reads exactly the parameters its environment names (JwtSecretParameter, ...)", async (t) => {
  const globals = (template.Globals?.Function?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {}
  for (const [id, fn] of resourcesOfType(template, 'AWS::Serverless::Function')) {
    const own = (fn.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {}
    const named = Object.entries({ ...globals, ...own })
      .filter(([variable]) => variable.endsWith('_PARAMETER'))
      .map(([variable, value]) => {
        const name = (value as { Ref?: unknown } | null)?.Ref
        t.ok(typeof name === 'string' && template.Parameters?.[name], `${id}: ${variable} names a template parameter`)
        return parameter(String(name))
      })
    t.same(grantsOf(id, 'ssm:'), [...new Set(named)].sort(), `${id}: GetParameters on the parameters it is given, and only those`)
  }
})

t.test('SES: only from the sending identity, only by the functions that mail', async (t) => {
  for (const [id] of resourcesOfType(template, 'AWS::Serverless::Function')) {
    const ses = functionGrants(template, id).grants.filter((grant) => grant.startsWith('ses:'))
    t.same(ses, id === 'NotificationFunction' ? [SEND_MAIL] : [], `${id}: ${ses.length ? 'sends from MailIdentity only' : 'never mails'}`)
  }
  t.ok(template.Parameters?.MailIdentity, 'the identity is a parameter')
})

t.test('no wildcard resource except the task-token callbacks, which accept nothing else', async (t) => {
  for (const [id] of resourcesOfType(template, 'AWS::Serverless::Function')) {
    const wild = functionGrants(template, id).grants.filter((grant) => / \*$/.test(grant) || grant.split(' ')[0]?.includes('*'))
    t.ok(wild.every((grant) => /^states:SendTask(Success|Failure) \*$/.test(grant)), `${id}: ${wild.join(', ') || 'no wildcard'}`)
  }
})

// ---------------------------------------------------------------- Cross-checks with the code

/**
 * The tables each DynamoDB adapter (src/adapters/dynamodb/) writes or reads: its own commands and
 * IndexNames are about them. Helpers without a table of their own are attributed through HELPERS.
 */
const ADAPTER_TABLES: Record<string, string[]> = {
  'user-repository.ts': ['UsersTable'],
  'table-store-probe.ts': ['UsersTable'],
  'session-store.ts': ['SessionsTable'],
  'order-repository.ts': ['OrdersTable', 'ProductsTable'],
  'order-queries.ts': ['OrdersTable'],
  'order-reader.ts': ['OrdersTable'],
  'payment-repository.ts': ['PaymentsTable'],
  'product-repository.ts': ['ProductsTable'],
  'product-listing.ts': ['ProductsTable'],
  'outbox-store.ts': ['OutboxTable'],
  'idempotency-store.ts': ['IdempotencyTable'],
  'attempt-counter.ts': ['IdempotencyTable'],
  'known-addresses.ts': ['IdempotencyTable'],
  'processed-events.ts': ['IdempotencyTable'],
  'event-claims.ts': ['IdempotencyTable']
}
/** Files whose calls are no function's: helpers taking the table from their caller, and an operator's one-off script's. */
const NOT_ATTRIBUTED = new Set(['conditional.ts', 'batch-get.ts', 'index-key-backfill.ts'])

/** IAM's action for each DynamoDB call (a transaction's parts: Put, Update, Delete, ConditionCheck). */
const ACTION_OF: Record<string, string> = {
  GetCommand: 'GetItem',
  PutCommand: 'PutItem',
  UpdateCommand: 'UpdateItem',
  DeleteCommand: 'DeleteItem',
  QueryCommand: 'Query',
  ScanCommand: 'Scan',
  BatchGetCommand: 'BatchGetItem',
  BatchWriteCommand: 'BatchWriteItem',
  DescribeTableCommand: 'DescribeTable',
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  ConditionCheck: 'ConditionCheckItem'
}

/** The calls a shared helper makes for its caller: on the caller's table, or on the one named. */
const HELPERS: Record<string, Array<{ action: string; table?: string }>> = {
  putIfAbsent: [{ action: 'PutItem' }],
  updateIf: [{ action: 'UpdateItem' }],
  batchGetById: [{ action: 'BatchGetItem' }],
  outboxPut: [{ action: 'PutItem', table: 'OutboxTable' }],
  updateWithEvents: [{ action: 'UpdateItem' }, { action: 'PutItem', table: 'OutboxTable' }]
}

const adaptersDir = join(root, 'src', 'adapters', 'dynamodb')
const adapterSources = readdirSync(adaptersDir)
  .filter((file) => file.endsWith('.ts'))
  .map((file) => ({ file, text: readFileSync(join(adaptersDir, file), 'utf8') }))

/** `TableId action` for every call an adapter makes, and `TableId/index` for every index it queries. */
function callsInCode(): { calls: Set<string>; indexes: Set<string>; problems: string[] } {
  const calls = new Set<string>()
  const indexes = new Set<string>()
  const problems: string[] = []
  for (const { file, text } of adapterSources) {
    const actions = new Set<string>()
    for (const [, command] of text.matchAll(/new (\w+Command)\(/g)) {
      // TransactWriteCommand needs no action of its own: IAM checks each part (below).
      if (command === 'TransactWriteCommand') continue
      const action = ACTION_OF[command as string]
      if (action) actions.add(action)
      else problems.push(`${file}: ${command} is not mapped to its IAM action in ACTION_OF`)
    }
    for (const [, part] of text.matchAll(/\{\s*(Put|Update|Delete|ConditionCheck):\s*[{\w]/g)) actions.add(ACTION_OF[part as string] as string)
    const helperCalls = Object.entries(HELPERS).filter(([name]) => !new RegExp(`export (async )?function ${name}\\b`).test(text) && new RegExp(`\\b${name}(<[^>]*>)?\\(`).test(text))
    const indexNames = [...text.matchAll(/IndexName:\s*'(\w+)'/g)].map((match) => match[1] as string)
    if (NOT_ATTRIBUTED.has(file) || (actions.size === 0 && helperCalls.length === 0)) continue
    const tables = ADAPTER_TABLES[file]
    if (!tables) {
      problems.push(`${file} calls DynamoDB: list its tables in ADAPTER_TABLES`)
      continue
    }
    for (const table of tables) {
      for (const action of actions) if (action !== 'Query') calls.add(`${table} ${action}`)
      for (const [, made] of helperCalls) for (const call of made) calls.add(`${call.table ?? table} ${call.action}`)
    }
    // An adapter's queries are on its first table's indexes.
    for (const name of indexNames) indexes.add(`${tables[0]}/${name}`)
  }
  return { calls, indexes, problems }
}

/** Where the DynamoDB grants of `expected` and the adapters' calls disagree (both ways), or an index is missing. */
function dynamoProblems(expected: Record<string, string[]>): string[] {
  const { calls, indexes, problems } = callsInCode()
  const granted = Object.values(expected).flat().filter((grant) => grant.startsWith('dynamodb:'))
  const grantedCalls = new Set(
    granted.filter((grant) => !grant.includes('/index/')).map((grant) => {
      const [action, resource] = grant.split(' ') as [string, string]
      return `${/\$\{(\w+)\.Arn\}/.exec(resource)?.[1] ?? resource} ${action.replace('dynamodb:', '')}`
    })
  )
  const grantedIndexes = new Set(granted.filter((grant) => grant.includes('/index/')).map((grant) => /\$\{(\w+)\.Arn\}\/index\/(\w+)/.exec(grant)?.slice(1).join('/') ?? grant))
  for (const call of grantedCalls) if (!calls.has(call)) problems.push(`${call}: granted, but no adapter calls it`)
  for (const call of calls) if (!grantedCalls.has(call)) problems.push(`${call}: called by an adapter, but granted to no function`)
  for (const index of indexes) if (!grantedIndexes.has(index)) problems.push(`${index}: queried in code, but granted to no function`)
  for (const index of grantedIndexes) {
    const [tableId, name] = index.split('/') as [string, string]
    const declared = (template.Resources[tableId]?.Properties?.GlobalSecondaryIndexes ?? []) as Array<{ IndexName: string }>
    if (!declared.some((gsi) => gsi.IndexName === name)) problems.push(`${index}: granted, but ${tableId} has no such index in the template`)
    if (!indexes.has(index)) problems.push(`${index}: granted, but queried nowhere in code`)
  }
  return problems
}

t.test('the DynamoDB grants match the calls the adapters make, table by table and index by index', async (t) => {
  t.same(dynamoProblems(EXPECTED), [], 'the lists above and the adapters agree')
  const without = (id: string, grant: string) => ({ ...EXPECTED, [id]: (EXPECTED[id] ?? []).filter((item) => item !== grant) })
  const withExtra = (id: string, grant: string) => ({ ...EXPECTED, [id]: [...(EXPECTED[id] ?? []), grant] })
  const problems = (expected: Record<string, string[]>) => dynamoProblems(expected).join('\n')
  t.match(problems(without('ApiFunction', 'dynamodb:BatchGetItem ${OrdersTable.Arn}')), /OrdersTable BatchGetItem: called by an adapter, but granted to no function/)
  t.match(problems(withExtra('OrderEventsFunction', 'dynamodb:DeleteItem ${OrdersTable.Arn}')), /OrdersTable DeleteItem: granted, but no adapter calls it/)
  t.match(problems(withExtra('OrderEventsFunction', 'dynamodb:Query ${OrdersTable.Arn}/index/byEmail')), /OrdersTable\/byEmail: granted, but OrdersTable has no such index[^]*OrdersTable\/byEmail: granted, but queried nowhere/)
  t.match(problems(without('RecoverySweeperFunction', 'dynamodb:Query ${PaymentsTable.Arn}/index/byStatus')), /PaymentsTable\/byStatus: queried in code, but granted to no function/)
})

/** Indexes `template` declares that no adapter queries: each one is paid on every write of its table, for nothing. */
function unqueriedIndexes(template: CloudFormationTemplate): string[] {
  const { indexes } = callsInCode()
  return resourcesOfType(template, 'AWS::DynamoDB::Table').flatMap(([tableId, table]) =>
    ((table.Properties?.GlobalSecondaryIndexes ?? []) as Array<{ IndexName: string }>)
      .map((gsi) => `${tableId}/${gsi.IndexName}`)
      .filter((index) => !indexes.has(index))
  )
}

t.test('every index the template declares is queried in code', async (t) => {
  t.same(unqueriedIndexes(template), [], 'no index is written for nothing')
  const extra: CloudFormationTemplate = structuredClone(template)
  const payments = extra.Resources.PaymentsTable?.Properties as { GlobalSecondaryIndexes: unknown[] }
  payments.GlobalSecondaryIndexes.push({ IndexName: 'byUser', KeySchema: [{ AttributeName: 'userId', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } })
  t.same(unqueriedIndexes(extra), ['PaymentsTable/byUser'], 'an index added to the template alone is found')
})

t.test("each function's DynamoDB tables are ones its config slice names (it could not reach another)", async (t) => {
  const schemas = Object.fromEntries(resourcesOfType(template, 'AWS::Serverless::Function').map(([id, fn]) => [id, CONFIG_SCHEMA_BY_BUNDLE[bundleOf(fn)] as TObject]))
  // UsersTable → USERS_TABLE, ...: the variable Globals sets from the table's Ref.
  const globals = (template.Globals?.Function?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {}
  const variableOf = new Map(Object.entries(globals).flatMap(([variable, value]) => {
    const ref = (value as { Ref?: unknown } | null)?.Ref
    return typeof ref === 'string' ? [[ref, variable] as const] : []
  }))
  for (const [id, schema] of Object.entries(schemas)) {
    const tables = new Set(grantsOf(id, 'dynamodb:').map((grant) => /\$\{(\w+)\.Arn\}/.exec(grant)?.[1] ?? grant))
    for (const tableId of tables) {
      const variable = variableOf.get(tableId)
      t.ok(variable && variable in schema.properties, `${id}: ${tableId} (${variable ?? 'no variable'}) is in its config slice`)
    }
  }
})
