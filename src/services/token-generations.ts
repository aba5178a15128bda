// Refusing tokens issued before a password change or reset. Every access and refresh token carries
// the user's token generation when it was issued (`gen`) and its session (`sid`); a change or reset
// moves the generation on in the same conditional write as the new password, so older tokens are
// refused, except (after a change, not a reset) those of the session that made the change.
// A counter rather than a "valid after" time compared with `iat`: `iat` has whole seconds, so a token
// issued in the second of the reset, just before it or just after it, could not be told apart.
// Each process caches what it read about a user for at most MAX_AGE_MS (issue 9 bounds the staleness
// to 60 s): an authenticated request costs one read per user and half minute, not one each. A change
// made by this process is seen by it at once (remember); other processes see it within MAX_AGE_MS.
import type { UserRecord } from '../domain/user'
import type { UserRepository } from '../ports/user-repository'

/** How long a process trusts what it read about a user's tokens. */
export const MAX_AGE_MS = 30_000
/** Users remembered per process (the oldest read is forgotten first), so memory stays bounded. */
const MAX_ENTRIES = 10_000

/** What a token says about itself. */
export interface IssuedToken {
  userId: string
  generation: number
  sessionId: string
}

/** The user's generation (0 before any change). */
export function generationOf(user: UserRecord): number {
  return user.tokenGeneration ?? 0
}

/** Whether a token of `user` is still good: issued in the current generation, or in the kept session. */
export function isCurrentToken(user: Pick<UserRecord, 'id' | 'tokenGeneration' | 'tokenGenerationKeepsSession'>, token: IssuedToken): boolean {
  if (user.id !== token.userId) return false
  return token.generation >= (user.tokenGeneration ?? 0) || token.sessionId === user.tokenGenerationKeepsSession
}

interface Entry {
  /** Undefined: no account under that email. */
  user?: Pick<UserRecord, 'id' | 'tokenGeneration' | 'tokenGenerationKeepsSession'>
  readAt: number
}

export class TokenGenerations {
  private readonly entries = new Map<string, Entry>()

  constructor(
    private readonly users: Pick<UserRepository, 'findByEmail'>,
    private readonly now: () => number = Date.now,
    private readonly maxAgeMs: number = MAX_AGE_MS
  ) {}

  /** Whether the token of the account keyed by `email` is still good (false when there is no such account). */
  async isCurrent(email: string, token: IssuedToken): Promise<boolean> {
    let entry = this.entries.get(email)
    if (!entry || this.now() - entry.readAt >= this.maxAgeMs) {
      entry = this.store(email, await this.users.findByEmail(email))
    }
    return entry.user !== undefined && isCurrentToken(entry.user, token)
  }

  /** A change this process just wrote: seen at once here, without waiting for the cache to age. */
  remember(user: UserRecord): void {
    this.store(user.email, user)
  }

  private store(email: string, user: UserRecord | undefined): Entry {
    const entry: Entry = {
      user: user && { id: user.id, tokenGeneration: user.tokenGeneration, tokenGenerationKeepsSession: user.tokenGenerationKeepsSession },
      readAt: this.now()
    }
    this.entries.delete(email)
    this.entries.set(email, entry)
    if (this.entries.size > MAX_ENTRIES) {
      const oldest = this.entries.keys().next()
      if (!oldest.done) this.entries.delete(oldest.value)
    }
    return entry
  }
}
