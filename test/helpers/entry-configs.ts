// The config schema each deployable entry point parses (the slices its composition root composes),
// by the bundle its template Handler names; and the settings marked secret. The template tests hold
// template.yaml's functions to these (what each gets in its environment, which tables it may reach).
import type { TObject, TSchema } from '@sinclair/typebox'
import { ApiConfigSchema } from '../../src/composition/api'
import { NotificationConfigSchema } from '../../src/composition/notification'
import { OrderEventsConfigSchema } from '../../src/composition/order-events'
import { OrderSagaConfigSchema } from '../../src/composition/order-saga'
import { OutboxRelayConfigSchema } from '../../src/composition/outbox-relay'
import { RecoverySweeperConfigSchema } from '../../src/composition/recovery-sweeper'
import { ConfigSchema } from '../../src/config'

/** By bundle (the Handler's file, e.g. `workers/notification`): the schema its entry's root parses. */
export const CONFIG_SCHEMA_BY_BUNDLE: Record<string, TObject> = {
  lambda: ApiConfigSchema,
  'workers/notification': NotificationConfigSchema,
  'workers/order-events': OrderEventsConfigSchema,
  'workers/order-saga': OrderSagaConfigSchema,
  'workers/outbox-relay': OutboxRelayConfigSchema,
  'workers/recovery-sweeper': RecoverySweeperConfigSchema
}

/** The bundle a template function's Handler names (`workers/notification.handler` → `workers/notification`). */
export function bundleOf(fn: { Properties?: Record<string, unknown> }): string {
  return String(fn.Properties?.Handler).replace(/\.handler$/, '')
}

/** Every setting src/config.ts marks `secret`. */
export const SECRET_VARIABLES: string[] = Object.entries(ConfigSchema.properties as Record<string, TSchema>)
  .filter(([, schema]) => schema.secret === true)
  .map(([name]) => name)
