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
  /** Sets the names given; the updated record, or undefined if there is no such account (`email` and `userId`). */
  updateProfile(email: string, userId: string, names: ProfileChange, now: string): Promise<UserRecord | undefined>
  /**
   * Stores `nonce` as the account's one valid reset link, made for `eventId`; the updated record, or
   * undefined if there is no such account or a link for this same event is stored already.
   */
  startPasswordReset(email: string, nonce: string, eventId: string): Promise<UserRecord | undefined>
  /**
   * Sets the new password if `nonce` is still the account's reset nonce (consuming it, one conditional
   * write: a link works once) and moves the token generation on; undefined when the link is spent.
   */
  completePasswordReset(change: PasswordChange & { nonce: string }): Promise<UserRecord | undefined>
  /**
   * Sets the new password if the hash is still `expectedHash` and moves the token generation on,
   * keeping `change.keepSession`'s tokens; undefined when the password changed meanwhile.
   */
  changePassword(change: PasswordChange & { expectedHash: string; keepSession: string }): Promise<UserRecord | undefined>
}

export interface ProfileChange {
  firstName?: string
  lastName?: string
}

/** A new password for the account `userId` (keyed by `email`). */
export interface PasswordChange {
  email: string
  userId: string
  passwordHash: string
  now: string
}
