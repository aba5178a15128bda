// Port: user storage, keyed by normalised email with a lookup by id.
import type { UserRecord } from '../domain/user'

export interface UserRepository {
  /** Stores a new user; ConflictError if the email is taken (a conditional write, safe under races). */
  create(user: UserRecord): Promise<void>
  /** Removes a user that was just created (compensation when its USER_CREATED could not be published). */
  remove(email: string, id: string): Promise<void>
  findByEmail(email: string): Promise<UserRecord | undefined>
  findById(id: string): Promise<UserRecord | undefined>
  /** Marks the email verified and adds `roles`; returns the updated record. Repeating it is harmless. */
  markEmailVerified(email: string, roles: UserRecord['roles'], now: string): Promise<UserRecord | undefined>
}
