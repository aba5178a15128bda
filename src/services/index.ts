// The set of domain services the API and the workers share. Built once per process by the
// composition root from the adapters (ports' implementations).
import type { AdminService } from './admin-service'
import type { AuthService } from './auth-service'
import type { PasswordService } from './password-service'
import type { CatalogService } from './catalog-service'
import type { CursorCodec } from './cursor'
import type { HealthService } from './health-service'
import type { Idempotency } from './idempotency'
import type { NotificationService } from './notification-service'
import type { OrderSaga } from './order-saga'
import type { OrderService } from './order-service'
import type { OutboxEventBus } from './outbox-event-bus'
import type { PaymentService } from './payment-service'
import type { RecoverySweeper } from './recovery-sweeper'
import type { UserService } from './user-service'

export interface Services {
  health: HealthService
  auth: AuthService
  /** Forgotten passwords, resets and changes. */
  passwords: PasswordService
  users: UserService
  notifications: NotificationService
  orders: OrderService
  saga: OrderSaga
  /** Settles orders stranded by crashes or failed sagas; completes due refunds (scheduled). */
  recovery: RecoverySweeper
  payments: PaymentService
  /** The event bus of every service (publishes, or defers to the outbox). */
  events: OutboxEventBus
  catalog: CatalogService
  /** The back office's reads (orders, accounts, the whole catalog), from indexes only. */
  admin: AdminService
  /** Signs and checks the opaque `lastKey` cursors of every paginated list. */
  cursors: CursorCodec
  /** Runs an operation at most once per Idempotency-Key (POST /orders, POST /payments). */
  idempotency: Idempotency
}
