// Composition root of the notification worker (src/workers/notification.ts): SES, the processed
// events record, and the token signer for verification links (so it needs JWT_SECRET; not Stripe).
import { configSchema, loadConfigOf, MailSlice, TokensSlice } from '../config'
import { createLogger } from '../logger'
import { createNotificationWorker } from '../workers/notification-worker'
import type { WorkerFunction } from '../workers/index'
import { sesMailer } from './aws-clients'
import { awsDynamoDb, withAwsMode } from './builders'
import { notificationService } from './services'
import { tokenService } from './tokens'

export const NotificationConfigSchema = configSchema(MailSlice, TokensSlice)

export function composeNotification(env: NodeJS.ProcessEnv = process.env): WorkerFunction {
  const config = loadConfigOf(NotificationConfigSchema, withAwsMode(env))
  const logger = createLogger(config)
  const { documents } = awsDynamoDb(config)
  return createNotificationWorker(notificationService(documents, sesMailer(config), tokenService(config), config), logger) as WorkerFunction
}
