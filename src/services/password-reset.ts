// The reset link of a PASSWORD_RESET_REQUESTED event, for the notification worker. Only here is it
// known whether the account exists (the API answered the same either way). The link's token carries
// a fresh nonce stored on the user: only the newest link works, and only once (PasswordService.reset
// consumes it). A redelivered event gets the same nonce again, so the link already mailed stays good.
import { randomBytes } from 'node:crypto'
import type { UserRecord } from '../domain/user'
import type { UserRepository } from '../ports/user-repository'
import type { TokenService } from './token-service'

export interface ResetLink {
  email: string
  firstName: string
  token: string
}

export class PasswordResetLinks {
  constructor(
    private readonly users: Pick<UserRepository, 'findByEmail' | 'startPasswordReset'>,
    private readonly tokens: Pick<TokenService, 'passwordResetToken'>
  ) {}

  /**
   * The link for the reset asked for by event `eventId`; undefined when there is nothing to mail: no
   * such account, or this event's link was used already.
   */
  async prepareResetLink(email: string, eventId: string): Promise<ResetLink | undefined> {
    const user = await this.users.findByEmail(email)
    if (!user) return undefined
    if (user.passwordResetEventId === eventId) return this.linkOf(user)
    const started = await this.users.startPasswordReset(user.email, randomBytes(24).toString('base64url'), eventId)
    if (started) return this.linkOf(started)
    // A concurrent delivery of this event stored its nonce first (or the account is gone): use what is there.
    const current = await this.users.findByEmail(email)
    return current?.passwordResetEventId === eventId ? this.linkOf(current) : undefined
  }

  private linkOf(user: UserRecord): ResetLink | undefined {
    // No nonce: this event's link was used (or a password change since made it void).
    if (!user.passwordResetNonce) return undefined
    return { email: user.email, firstName: user.firstName, token: this.tokens.passwordResetToken(user.id, user.email, user.passwordResetNonce) }
  }
}
