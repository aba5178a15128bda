import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { startDynamoDbLocal, dynamoDbLocalClientConfig } from '../../src/adapters/local/dynamodb-local'
import { createTablesFromTemplate } from '../../src/adapters/local/create-tables'
import { loadTemplate } from '../../src/infra/template'
import { localNames } from '../../src/infra/local-names'
const d = await startDynamoDbLocal({})
const client = new DynamoDBClient(dynamoDbLocalClientConfig(d.endpoint))
const template = loadTemplate('template.yaml')
const names = localNames(template, { stackName: 'smoke' })
await createTablesFromTemplate(client, template, names)
const changed = structuredClone(template)
;(changed.Resources.OrdersTable!.Properties as any).GlobalSecondaryIndexes = []
try { await createTablesFromTemplate(client, changed, names); console.log('no error') } catch (e) { console.log('ERR', (e as Error).message) }
;(changed.Resources.OrdersTable!.Properties as any).KeySchema = [{ AttributeName: 'userId', KeyType: 'HASH' }]
try { await createTablesFromTemplate(client, changed, names); console.log('no error') } catch (e) { console.log('ERR', (e as Error).message) }
client.destroy(); await d.stop()
