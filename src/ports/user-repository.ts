// Port: user storage, keyed by normalised email with a lookup by id.
import type { UserRecord } from '../domain/user'
import type { OutboxEntry } from './outbox'

export interface UserRepository {
  /**
   * Stores a new user with the events that report it (one transaction, the outbox); ConflictError if
   * the email is taken (a conditional write, safe under races).
   */
  create(user: UserRecord, events: OutboxEntry[]): Promise<void>
  findByEmail(email: string): Promise<UserRecord | undefined>
  findById(id: string): Promise<UserRecord | undefined>
  /** Marks the email verified and adds `roles`; returns the updated record. Repeating it is harmless. */
  markEmailVerified(email: string, roles: UserRecord['roles'], now: string): Promise<UserRecord | undefined>
}
