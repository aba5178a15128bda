// DynamoDB Local for the embedded runtime: fetching it (scripts/dynamodb-local.mjs), starting and
// stopping it, tables created from the real template.yaml, persistence, clear errors when Java or
// the emulator is missing, the table-store readiness probe, and that Java never outlives us.
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type AttributeDefinition,
  type KeySchemaElement
} from '@aws-sdk/client-dynamodb'
import t, { type Test } from 'tap'
import { DYNAMODB_LOCAL_DIR, ensureDynamoDbLocal, verifyTarball } from '../../scripts/dynamodb-local.mjs'
import { TableStoreProbe } from '../../src/adapters/dynamodb/table-store-probe'
import { createTablesFromTemplate } from '../../src/local/dynamodb/create-tables'
import {
  DynamoDbLocalNotInstalledError,
  JavaMissingError,
  dynamoDbLocalClientConfig,
  startDynamoDbLocal,
  type DynamoDbLocal
} from '../../src/local/dynamodb/dynamodb-local'
import { resourceNames } from '../../src/local/template/names'
import { projectRootFrom } from '../../src/infra/project-root'
import { loadTemplate, resourcesOfType } from '../../src/local/template/template'

const projectRoot = projectRootFrom(import.meta.url)
const template = loadTemplate(join(projectRoot, 'template.yaml'))
const names = resourceNames(template, { stackName: 'ddb-test' })
const tableResources = resourcesOfType(template, 'AWS::DynamoDB::Table')
const tableName = (logicalId: string) => names.ref(logicalId) as string

// A no-op when `npm test` has already fetched it; makes `npx tap <this file>` work on its own too.
await ensureDynamoDbLocal()

function clientFor(local: DynamoDbLocal): DynamoDBClient {
  return new DynamoDBClient({ ...dynamoDbLocalClientConfig(local.endpoint), maxAttempts: 1 })
}

function tempDir(t: Test, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  // A zombie (exited, not yet reaped) answers kill(0) but is gone for our purposes.
  const stat = `/proc/${pid}/stat`
  return !existsSync(stat) || !/^\d+ \(.*\) Z/.test(readFileSync(stat, 'utf8'))
}

async function gone(pid: number, withinMs = 15_000): Promise<boolean> {
  const deadline = Date.now() + withinMs
  while (isRunning(pid)) {
    if (Date.now() > deadline) return false
    await new Promise((done) => setTimeout(done, 100))
  }
  return true
}

interface TemplateTable {
  AttributeDefinitions: AttributeDefinition[]
  KeySchema: KeySchemaElement[]
  GlobalSecondaryIndexes?: Array<{ IndexName: string; KeySchema: KeySchemaElement[]; Projection: { ProjectionType: string } }>
  TimeToLiveSpecification?: { AttributeName: string; Enabled: boolean }
}

const byName = (a: AttributeDefinition, b: AttributeDefinition) => String(a.AttributeName).localeCompare(String(b.AttributeName))

t.test('the emulator is fetched once and found where the adapter looks', async (t) => {
  const dir = join(projectRoot, DYNAMODB_LOCAL_DIR)
  const marker = join(dir, '.installed')
  const before = statSync(marker).mtimeMs
  t.equal(await ensureDynamoDbLocal(), dir)
  t.equal(statSync(marker).mtimeMs, before, 'already present: nothing fetched or rewritten')
  t.ok(existsSync(join(dir, 'DynamoDBLocal.jar')))
  t.ok(existsSync(join(dir, 'DynamoDBLocal_lib')))
})

t.test('a tarball whose checksum differs is refused, naming both hashes', async (t) => {
  const file = join(tempDir(t, 'ddb-tarball-'), 'package.tgz')
  writeFileSync(file, 'not the pinned tarball')
  const sha256 = createHash('sha256').update('not the pinned tarball').digest('hex')
  const integrity = `sha512-${createHash('sha512').update('not the pinned tarball').digest('base64')}`
  await t.resolves(verifyTarball(file, { sha256, integrity }))
  const error = await verifyTarball(file).then(() => undefined, (caught: Error) => caught)
  t.match(error?.message, /sha256 mismatch/)
  t.match(error?.message, '3503ffac19f183407909fecdacf4db51ab1fdad1da7b2f177016670b2d80e4b9')
  t.match(error?.message, sha256)
})

t.test('tables from template.yaml: keys, indexes and TTL as declared; idempotent; drift reported; readiness probe', async (t) => {
  const local = await startDynamoDbLocal({})
  t.teardown(() => local.stop())
  const client = clientFor(local)
  t.teardown(() => client.destroy())
  t.match(local.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/)

  const created = await createTablesFromTemplate(client, template, names)
  t.same(created, tableResources.map(([id]) => tableName(id)))
  t.ok(created.length >= 5, 'the template declares the app tables')

  for (const [logicalId, resource] of tableResources) {
    const wanted = resource.Properties as unknown as TemplateTable
    const { Table: table } = await client.send(new DescribeTableCommand({ TableName: tableName(logicalId) }))
    t.equal(table?.TableStatus, 'ACTIVE', `${logicalId} active`)
    t.same(table?.KeySchema, wanted.KeySchema, `${logicalId} key`)
    t.same([...(table?.AttributeDefinitions ?? [])].sort(byName), [...wanted.AttributeDefinitions].sort(byName), `${logicalId} attributes`)
    t.equal(table?.BillingModeSummary?.BillingMode, 'PAY_PER_REQUEST', `${logicalId} on demand`)
    const indexes = table?.GlobalSecondaryIndexes ?? []
    t.equal(indexes.length, wanted.GlobalSecondaryIndexes?.length ?? 0, `${logicalId} index count`)
    for (const index of wanted.GlobalSecondaryIndexes ?? []) {
      const actual = indexes.find((item) => item.IndexName === index.IndexName)
      t.same(actual?.KeySchema, index.KeySchema, `${logicalId}.${index.IndexName} key`)
      t.equal(actual?.Projection?.ProjectionType, index.Projection.ProjectionType, `${logicalId}.${index.IndexName} projection`)
    }
    const { TimeToLiveDescription: ttl } = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName(logicalId) }))
    if (wanted.TimeToLiveSpecification?.Enabled) {
      t.equal(ttl?.TimeToLiveStatus, 'ENABLED', `${logicalId} TTL on`)
      t.equal(ttl?.AttributeName, wanted.TimeToLiveSpecification.AttributeName, `${logicalId} TTL attribute`)
    } else {
      t.equal(ttl?.TimeToLiveStatus, 'DISABLED', `${logicalId} has no TTL`)
    }
  }

  // A few facts the code relies on, stated outright.
  const describe = async (id: string) => (await client.send(new DescribeTableCommand({ TableName: tableName(id) }))).Table
  t.equal(tableName('UsersTable'), 'ddb-test-users')
  t.same((await describe('UsersTable'))?.KeySchema, [{ AttributeName: 'email', KeyType: 'HASH' }])
  t.same((await describe('OrdersTable'))?.GlobalSecondaryIndexes?.find((index) => index.IndexName === 'byUser')?.KeySchema, [
    { AttributeName: 'userId', KeyType: 'HASH' },
    { AttributeName: 'createdAt', KeyType: 'RANGE' }
  ])
  const idempotencyTtl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName('IdempotencyTable') }))
  t.same(idempotencyTtl.TimeToLiveDescription, { AttributeName: 'expiresAt', TimeToLiveStatus: 'ENABLED' })
  for (const id of ['UsersTable', 'OrdersTable', 'PaymentsTable']) {
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName(id) }))
    t.equal(ttl.TimeToLiveDescription?.TimeToLiveStatus, 'DISABLED', `${id} records never expire`)
  }

  // Second run: existing tables (and their items) are left alone.
  const item = { email: { S: 'kept@example.com' }, id: { S: 'u1' } }
  await client.send(new PutItemCommand({ TableName: tableName('UsersTable'), Item: item }))
  t.same(await createTablesFromTemplate(client, template, names), created)
  t.same((await client.send(new GetItemCommand({ TableName: tableName('UsersTable'), Key: { email: item.email } }))).Item, item)

  // A template that added an index since the tables were made (a persisted data folder): it is added,
  // and built from the items already there, as a stack update would.
  const order = { id: { S: 'o1' }, userId: { S: 'u1' }, createdAt: { S: '2026-01-01T00:00:00Z' }, status: { S: 'pending' }, userEmail: { S: 'kept@example.com' } }
  await client.send(new PutItemCommand({ TableName: tableName('OrdersTable'), Item: order }))
  const added = structuredClone(template)
  const addedOrders = added.Resources.OrdersTable?.Properties as unknown as TemplateTable
  addedOrders.AttributeDefinitions.push({ AttributeName: 'userEmail', AttributeType: 'S' })
  addedOrders.GlobalSecondaryIndexes?.push({ IndexName: 'byEmail', KeySchema: [{ AttributeName: 'userEmail', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } })
  t.same(await createTablesFromTemplate(client, added, names), created)
  const byEmail = await client.send(
    new QueryCommand({ TableName: tableName('OrdersTable'), IndexName: 'byEmail', KeyConditionExpression: 'userEmail = :email', ExpressionAttributeValues: { ':email': order.userEmail } })
  )
  t.same(byEmail.Items?.map((item) => item.id), [order.id], 'the new index holds the items already stored')

  // A stream the template added since (the outbox's) is turned on.
  const streamless = structuredClone(template)
  delete (streamless.Resources.OutboxTable?.Properties as unknown as TemplateTable & { StreamSpecification?: unknown }).StreamSpecification
  const older = resourceNames(streamless, { stackName: 'ddb-older' })
  await createTablesFromTemplate(client, streamless, older)
  const before = await client.send(new DescribeTableCommand({ TableName: older.ref('OutboxTable') }))
  t.notOk(before.Table?.StreamSpecification?.StreamEnabled, 'made without a stream')
  await createTablesFromTemplate(client, template, older)
  const after = await client.send(new DescribeTableCommand({ TableName: older.ref('OutboxTable') }))
  t.same(after.Table?.StreamSpecification, { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' }, 'the stream is on')

  // From here on the tables carry byEmail: later templates start from `added`, so only what a check
  // changes differs (tables are checked concurrently, and the first difference found is the one reported).
  // A template that changed what an existing index is keyed on is reported, not ignored.
  const changed = structuredClone(added)
  const orders = changed.Resources.OrdersTable?.Properties as unknown as TemplateTable
  const byUser = orders.GlobalSecondaryIndexes?.find((index) => index.IndexName === 'byUser')
  if (byUser) byUser.KeySchema = [{ AttributeName: 'userId', KeyType: 'HASH' }]
  await t.rejects(createTablesFromTemplate(client, changed, names), {
    message: /Table ddb-test-orders in the local data differs from template.yaml \(index byUser key .*\)\. Delete the local data folder to recreate it\./
  })
  const idempotency = structuredClone(added)
  const ttlSpec = (idempotency.Resources.IdempotencyTable?.Properties as unknown as TemplateTable).TimeToLiveSpecification
  if (ttlSpec) ttlSpec.AttributeName = 'ttl'
  await t.rejects(createTablesFromTemplate(client, idempotency, names), { message: /ddb-test-idempotency .*\(TTL on expiresAt, template ttl\)/ })

  // A template that removed an index since (byEmail, back to template.yaml's own): it is deleted, as a
  // stack update would, and the items stay.
  t.same(await createTablesFromTemplate(client, template, names), created)
  const withoutByEmail = await client.send(new DescribeTableCommand({ TableName: tableName('OrdersTable') }))
  t.same(withoutByEmail.Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName).sort(), (template.Resources.OrdersTable?.Properties as unknown as TemplateTable).GlobalSecondaryIndexes?.map((index) => index.IndexName).sort(), 'the indexes are the template\'s again')
  const kept = await client.send(new GetItemCommand({ TableName: tableName('OrdersTable'), Key: { id: order.id } }))
  t.same(kept.Item?.userEmail, order.userEmail, 'the items are untouched')

  const probe = new TableStoreProbe(client, tableName('UsersTable'))
  t.equal(probe.name, 'tableStore')
  await t.resolves(probe.check(), 'ready while DynamoDB Local runs')
  await t.rejects(new TableStoreProbe(client, 'no-such-table').check(), 'a missing table is not ready')

  await local.stop()
  t.notOk(isRunning(local.pid), 'stop() resolves after Java has exited')
  await t.rejects(probe.check(), 'not ready once DynamoDB Local is gone')
})

t.test('with a data folder, tables and items survive a restart', async (t) => {
  const dataDir = join(tempDir(t, 'ddb-data-'), 'nested', 'dynamodb')
  const item = { pk: { S: 'idem-1' }, expiresAt: { N: '4102444800' } }
  const table = tableName('IdempotencyTable')

  const first = await startDynamoDbLocal({ dataDir })
  t.teardown(() => first.stop())
  const firstClient = clientFor(first)
  await createTablesFromTemplate(firstClient, template, names)
  await firstClient.send(new PutItemCommand({ TableName: table, Item: item }))
  firstClient.destroy()
  await first.stop()
  t.ok(existsSync(join(dataDir, 'shared-local-instance.db')), 'one shared database file in the folder')

  const second = await startDynamoDbLocal({ dataDir })
  t.teardown(() => second.stop())
  const secondClient = clientFor(second)
  t.teardown(() => secondClient.destroy())
  t.same(await createTablesFromTemplate(secondClient, template, names), tableResources.map(([id]) => tableName(id)))
  t.same((await secondClient.send(new GetItemCommand({ TableName: table, Key: { pk: item.pk } }))).Item, item)
  const ttl = await secondClient.send(new DescribeTimeToLiveCommand({ TableName: table }))
  t.equal(ttl.TimeToLiveDescription?.TimeToLiveStatus, 'ENABLED')
})

// A Java that outlived its server (its watchdog killed with it) must not keep serving, and holding,
// the data folder: the next start on that folder stops it — unless the server that started it lives.
t.test('a DynamoDB Local left on a data folder by a dead server is stopped by the next start on it', async (t) => {
  const dataDir = tempDir(t, 'ddb-stale-')
  const emulatorDir = join(projectRoot, DYNAMODB_LOCAL_DIR)
  const stalePort = await new Promise<number>((done) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number }
      probe.close(() => done(port))
    })
  })
  // Started as the launcher does, but by nobody who will stop it.
  const stale = spawn(
    'java',
    [`-Djava.library.path=${join(emulatorDir, 'DynamoDBLocal_lib')}`, '-jar', join(emulatorDir, 'DynamoDBLocal.jar'), '-port', String(stalePort), '-sharedDb', '-dbPath', dataDir],
    { cwd: emulatorDir, detached: true, stdio: 'ignore' }
  )
  stale.unref()
  const stalePid = stale.pid as number
  t.teardown(() => {
    if (isRunning(stalePid)) process.kill(stalePid, 'SIGKILL')
  })
  const pidFile = join(dataDir, 'dynamodb-local.pid')

  // Its starter is alive (here: this process), so it is another server's and is left alone.
  writeFileSync(pidFile, JSON.stringify({ java: stalePid, owner: process.pid }))
  const beside = await startDynamoDbLocal({ dataDir })
  t.ok(isRunning(stalePid), 'a live server\'s DynamoDB Local is not touched')
  t.same(JSON.parse(readFileSync(pidFile, 'utf8')), { java: beside.pid, owner: process.pid }, 'the pid file names the new Java')
  await beside.stop()
  t.notOk(existsSync(pidFile), 'a clean stop removes the pid file')

  // Its starter is gone: stale, stopped.
  const dead = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' })
  await new Promise((done) => dead.once('exit', done))
  writeFileSync(pidFile, JSON.stringify({ java: stalePid, owner: dead.pid }))
  const next = await startDynamoDbLocal({ dataDir })
  t.teardown(() => next.stop())
  t.ok(await gone(stalePid, 5_000), 'the stale Java is gone')
  t.not(next.pid, stalePid)
})

t.test('missing or old Java is one clear line', async (t) => {
  const missing = join(tempDir(t, 'ddb-java-'), 'no-such-java')
  const error = await startDynamoDbLocal({ javaPath: missing }).then(() => undefined, (caught: Error) => caught)
  t.ok(error instanceof JavaMissingError, 'JavaMissingError')
  t.equal(
    error?.message,
    `DynamoDB Local needs Java 17 or newer on PATH (${missing} not found). Install a JRE 17+ (e.g. apt-get install openjdk-17-jre-headless) and retry.`
  )
  t.notMatch(error?.message, '\n')

  const onPath = await startDynamoDbLocal({ javaPath: 'java-that-is-not-installed' }).then(() => undefined, (caught: Error) => caught)
  t.match(onPath?.message, '(java-that-is-not-installed not found)')

  const oldJava = join(tempDir(t, 'ddb-java8-'), 'java')
  writeFileSync(oldJava, '#!/bin/sh\necho \'java version "1.8.0_392"\' >&2\n')
  chmodSync(oldJava, 0o755)
  await t.rejects(startDynamoDbLocal({ javaPath: oldJava }), { constructor: JavaMissingError, message: /\(.*java is Java 8\)/ })
})

t.test('a missing emulator tells how to fetch it', async (t) => {
  await t.rejects(startDynamoDbLocal({ emulatorDir: tempDir(t, 'ddb-empty-') }), {
    constructor: DynamoDbLocalNotInstalledError,
    message: /Run `node scripts\/dynamodb-local\.mjs`/
  })
})

t.test('a port that is taken fails fast with the reason', async (t) => {
  const blocker: Server = createServer()
  await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done))
  t.teardown(() => new Promise<void>((done) => blocker.close(() => done())))
  const port = (blocker.address() as { port: number }).port
  await t.rejects(startDynamoDbLocal({ port }), { message: new RegExp(`cannot listen on port ${port}: it is in use`) })
})

// Java must never outlive the process that started it, however that process ends. The four
// children run at once (each starts its own DynamoDB Local).
t.test('no orphan Java, however the Node process that started it ends', async (t) => {
  const endings: Array<{ how: string; mode: string; end?: (child: ChildProcess) => void; expect: { code?: number; signal?: string } }> = [
    { how: 'is SIGKILLed', mode: 'sigkill', expect: { signal: 'SIGKILL' } },
    { how: 'crashes (uncaught exception)', mode: 'crash', expect: { code: 1 } },
    // Also shows that a running DynamoDB Local does not keep the process alive.
    { how: 'ends normally without calling stop()', mode: 'exit', expect: { code: 0 } },
    // Ctrl-C in a terminal signals the whole foreground process group.
    { how: 'gets Ctrl-C (SIGINT to its process group)', mode: 'wait', end: (child) => process.kill(-(child.pid as number), 'SIGINT'), expect: { signal: 'SIGINT' } }
  ]
  const results = await Promise.all(endings.map(({ mode, end }) => runChild(mode, end)))
  for (const [index, { how, expect }] of endings.entries()) {
    const { report, code, signal, stderr } = results[index] as ChildResult
    t.ok(report?.alive, `${how}: Java was running (child stderr: ${stderr})`)
    t.same({ code: expect.code ?? code, signal: expect.signal ?? signal }, { code, signal }, `${how}: child ended as intended`)
    if (!report) continue
    const dead = await gone(report.pid)
    if (!dead) process.kill(report.pid, 'SIGKILL')
    t.ok(dead, `${how}: Java is gone`)
  }
})

interface ChildResult {
  report: { pid: number; alive: boolean } | undefined
  code: number | null
  signal: NodeJS.Signals | null
  stderr: string
}

async function runChild(mode: string, end?: (child: ChildProcess) => void): Promise<ChildResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'test/fixtures/dynamodb/start-and-die.ts'), mode], {
    cwd: projectRoot,
    detached: true, // its own process group, like a program started from a terminal
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout?.setEncoding('utf8').on('data', (text: string) => {
    stdout += text
    if (stdout.includes('\n')) end?.(child)
  })
  child.stderr?.setEncoding('utf8').on('data', (text: string) => (stderr += text))
  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal }))
  )
  const line = stdout.split('\n')[0]
  return { report: line ? (JSON.parse(line) as ChildResult['report']) : undefined, code, signal, stderr }
}
