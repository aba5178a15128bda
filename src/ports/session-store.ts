// Port: refresh-token families. One family per login; each refresh rotates its current token id.
export interface Session {
  id: string
  userId: string
  currentTokenId: string
  revoked: boolean
  /** Epoch seconds; the record expires (TTL) once no refresh token of it could be valid. */
  expiresAt: number
}

export type RotationResult = 'rotated' | 'reused' | 'revoked' | 'missing'

export interface SessionStore {
  create(session: Session): Promise<void>
  /**
   * Moves the family from `fromTokenId` to `toTokenId` atomically. `reused` when `fromTokenId` is no
   * longer current (the family is then revoked: reuse means the token leaked).
   */
  rotate(sessionId: string, fromTokenId: string, toTokenId: string, expiresAt: number): Promise<RotationResult>
  /** Revokes one family if it belongs to `userId`. */
  revoke(sessionId: string, userId: string): Promise<void>
  /** Revokes every family of `userId` but `exceptSessionId` (when given: the caller's own, e.g. after a password change). */
  revokeAllForUser(userId: string, exceptSessionId?: string): Promise<void>
}
