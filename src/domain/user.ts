// The user as the domain sees it. `UserRecord` (with the password hash) never leaves the services.
export type Role = 'customer' | 'admin'

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
}

export interface UserRecord extends User {
  passwordHash: string
}

/** Emails are compared and stored trimmed and lower-cased. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase()
}

/** The public view of a user record: everything but the password hash. */
export function publicUser(record: UserRecord): User {
  const { passwordHash: _hash, ...user } = record
  return user
}
