// Composition root of the notification worker (src/workers/notification.ts): SES, the processed
// events record, the token signer for verification and reset links (so it needs JWT_SECRET; not
// Stripe), the orders (order emails) and the users (a reset link only for a real account).
import { DynamoOrderReader } from '../adapters/dynamodb/order-reader'
import { DynamoUserRepository } from '../adapters/dynamodb/user-repository'
import { configSchema, loadConfigOf, MailSlice, OrderTablesSlice, OutboxSlice, TokensSlice, UsersSlice } from '../config'
import { createLogger } from '../logger'
import { createNotificationWorker } from '../workers/notification-worker'
import type { WorkerFunction } from '../workers/index'
import { sesMailer } from './aws-clients'
import { awsDynamoDb, withAwsMode } from './builders'
import { withSecrets } from './secrets'
import { notificationService, passwordResetLinks } from './services'
import { tokenService } from './tokens'

export const NotificationConfigSchema = configSchema(MailSlice, TokensSlice, OutboxSlice, { ORDERS_TABLE: OrderTablesSlice.ORDERS_TABLE, USERS_TABLE: UsersSlice.USERS_TABLE })

export async function composeNotification(env: NodeJS.ProcessEnv = process.env): Promise<WorkerFunction> {
  const config = loadConfigOf(NotificationConfigSchema, await withSecrets(NotificationConfigSchema, withAwsMode(env)))
  const logger = createLogger(config)
  const { documents } = awsDynamoDb(config)
  const tokens = tokenService(config)
  const users = new DynamoUserRepository(documents, config.USERS_TABLE, config.OUTBOX_TABLE)
  const sources = { verificationTokens: tokens, resetLinks: passwordResetLinks(documents, users, tokens, config), orders: new DynamoOrderReader(documents, config.ORDERS_TABLE) }
  return createNotificationWorker(notificationService(documents, sesMailer(config), sources, config), logger) as WorkerFunction
}
