// The user as the domain sees it. `UserRecord` (with the password hash) never leaves the services.
import { ValidationError } from './errors'

export const ROLES = ['customer', 'admin'] as const
export type Role = (typeof ROLES)[number]

export interface User {
  id: string
  email: string
  firstName: string
  lastName: string
  roles: Role[]
  emailVerified: boolean
  createdAt: string
  updatedAt: string
}

/** The authenticated caller of a request, from a verified access token. */
export interface Principal {
  userId: string
  email: string
  roles: Role[]
  /** The session (refresh-token family) the access token was issued in. */
  sessionId: string
}

export interface UserRecord extends User {
  passwordHash: string
  /**
   * Moves on with every password change or reset: tokens carry the generation they were issued in,
   * and older ones are refused (TokenGenerations). Absent: 0.
   */
  tokenGeneration?: number
  /** The session whose tokens of an older generation stay valid: the one that changed the password. */
  tokenGenerationKeepsSession?: string
  /** The single-use value the current password-reset link carries; removed when it is used. */
  passwordResetNonce?: string
  /** The event (PASSWORD_RESET_REQUESTED) that made the current reset link: a redelivery reuses the link. */
  passwordResetEventId?: string
}

/**
 * Emails are compared and stored trimmed and lower-cased. One of only whitespace (spaces, tabs, NBSP,
 * U+3000: everything `trim` removes) is refused here, on every path that takes an email: trimmed to
 * "" it would reach DynamoDB as an empty key, which it rejects (a 500).
 */
export function normaliseEmail(email: string): string {
  const normalised = email.trim().toLowerCase()
  if (normalised === '') throw new ValidationError('Email must not be blank.', { field: 'email' })
  return normalised
}

/**
 * The public view of a user record: its public fields, picked one by one so no credential (password
 * hash, reset nonce, token generation) can ever come along.
 */
export function publicUser(record: UserRecord): User {
  const { id, email, firstName, lastName, roles, emailVerified, createdAt, updatedAt } = record
  return { id, email, firstName, lastName, roles, emailVerified, createdAt, updatedAt }
}

/**
 * Whether `caller` may read a record owned by `ownerId` (an order, a payment, a user profile): its
 * owner or an admin. Callers answer anyone else 404, as if it did not exist, so ids cannot be probed.
 */
export function isOwnerOrAdmin(caller: Principal, ownerId: string): boolean {
  return caller.userId === ownerId || caller.roles.includes('admin')
}
