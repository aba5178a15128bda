// Forgotten passwords, resets and changes.
// `forgot` never reveals whether an account exists: it does the same work for any email (count the
// attempt, write PASSWORD_RESET_REQUESTED) and answers the same; the notification worker finds out
// whether there is an account to mail (PasswordResetLinks). A reset link is single-use (its nonce is
// consumed by the conditional write that sets the new password) and of its own token type.
// After a reset or a change the old password fails, and tokens issued before are refused (the new
// token generation, TokenGenerations); a reset ends every session, a change every one but the caller's.
import { UnauthorizedError, ValidationError } from '../domain/errors'
import { normaliseEmail, type Principal, type UserRecord } from '../domain/user'
import type { EventBus } from '../ports/event-bus'
import type { UserRepository } from '../ports/user-repository'
import { EventType, newEvent } from './events'
import { PasswordHasher } from './password-hasher'
import type { RateLimiter } from './rate-limiter'
import type { TokenClaims, TokenService } from './token-service'

/** What PasswordService needs of AuthService: the throttled password check and ending sessions. */
export interface AccountSessions {
  checkPassword(email: string, password: string, clientAddress: string): Promise<UserRecord>
  endSessions(user: UserRecord, keepSessionId?: string): Promise<void>
}

export interface PasswordSettings {
  userEventsTopicArn: string
}

const INVALID_LINK = 'The reset link is invalid, used or expired.'

export class PasswordService {
  constructor(
    private readonly users: UserRepository,
    private readonly accounts: AccountSessions,
    /** Reset requests per client address and per target email. */
    private readonly forgotLimit: RateLimiter<'address' | 'email'>,
    private readonly passwords: PasswordHasher,
    private readonly tokens: TokenService,
    private readonly events: EventBus,
    private readonly settings: PasswordSettings
  ) {}

  /** Asks for a reset link to be mailed to `email`'s account, if there is one. */
  async forgot(emailInput: string, clientAddress: string, correlationId: string): Promise<void> {
    const email = normaliseEmail(emailInput)
    // Counted before anything else and whatever the email: a 429 says nothing about the account.
    await this.forgotLimit.acquire({ address: clientAddress, email })
    await this.events.publish(this.settings.userEventsTopicArn, newEvent(EventType.PASSWORD_RESET_REQUESTED, { email }, correlationId))
  }

  /** Sets a new password with the token of a reset link; ValidationError (field `token`) for a bad, used or expired one. */
  async reset(token: string, password: string): Promise<void> {
    PasswordHasher.assertAcceptable(password)
    const claims = this.resetClaims(token)
    const passwordHash = await this.passwords.hash(password)
    const user = await this.users.completePasswordReset({
      email: String(claims.email),
      userId: claims.sub,
      nonce: String(claims.nonce),
      passwordHash,
      now: new Date().toISOString()
    })
    if (!user) throw new ValidationError(INVALID_LINK, { field: 'token' })
    await this.accounts.endSessions(user)
  }

  /**
   * Changes the caller's password. A wrong current password is a failed login (counted, limited:
   * 401, then 429); the caller's session stays, every other one is revoked.
   */
  async change(caller: Principal, currentPassword: string, newPassword: string, clientAddress: string): Promise<void> {
    PasswordHasher.assertAcceptable(newPassword, 'newPassword')
    const user = await this.checkCurrent(caller, currentPassword, clientAddress)
    const updated = await this.users.changePassword({
      email: user.email,
      userId: user.id,
      passwordHash: await this.passwords.hash(newPassword),
      expectedHash: user.passwordHash,
      keepSession: caller.sessionId,
      now: new Date().toISOString()
    })
    // Changed meanwhile (another change or a reset): the password given is no longer the current one.
    if (!updated) throw new UnauthorizedError(WRONG_CURRENT)
    await this.accounts.endSessions(updated, caller.sessionId)
  }

  private async checkCurrent(caller: Principal, currentPassword: string, clientAddress: string): Promise<UserRecord> {
    try {
      const user = await this.accounts.checkPassword(caller.email, currentPassword, clientAddress)
      if (user.id === caller.userId) return user
    } catch (error) {
      if (!(error instanceof UnauthorizedError)) throw error
    }
    throw new UnauthorizedError(WRONG_CURRENT)
  }

  private resetClaims(token: string): TokenClaims {
    try {
      return this.tokens.verify(token, 'password-reset')
    } catch {
      throw new ValidationError(INVALID_LINK, { field: 'token' })
    }
  }
}

const WRONG_CURRENT = 'The current password is not correct.'
