// Password hashing with bcrypt (bcryptjs, async so the event loop keeps serving). bcrypt only reads
// the first 72 bytes of a password, so longer ones are rejected rather than silently truncated.
import { randomBytes } from 'node:crypto'
import bcrypt from 'bcryptjs'
import { ValidationError } from '../domain/errors'
import type { BcryptEngine } from '../ports/bcrypt-engine'

export const PASSWORD_MIN_LENGTH = 8
export const PASSWORD_MAX_BYTES = 72

/** bcryptjs's async API on this thread (tests, tools); it slices its work but still holds the event loop. */
export const inThreadBcrypt: BcryptEngine = {
  hash: (password, cost) => bcrypt.hash(password, cost),
  compare: (password, hash) => bcrypt.compare(password, hash)
}

const BCRYPT_ALPHABET = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

export class PasswordHasher {
  /**
   * Compared against when the account does not exist, so an unknown email costs the same bcrypt work
   * as a wrong password. A well-formed hash with random salt and digest (no password has it) needs no
   * hashing to make: computing one at cost 12 would take a quarter second of a Lambda's cold start.
   */
  private readonly dummyHash: string

  constructor(
    private readonly cost: number,
    /** Where bcrypt runs; production passes a worker-thread pool (adapters/crypto). */
    private readonly engine: BcryptEngine = inThreadBcrypt
  ) {
    const random = Array.from(randomBytes(53), (byte) => BCRYPT_ALPHABET[byte % 64]).join('')
    this.dummyHash = `$2b$${String(cost).padStart(2, '0')}$${random}`
  }

  /** Throws ValidationError (naming `field`, the body's) unless the password is 8 characters to 72 UTF-8 bytes. */
  static assertAcceptable(password: string, field = 'password'): void {
    if ([...password].length < PASSWORD_MIN_LENGTH) {
      throw new ValidationError(`${field} must be at least ${PASSWORD_MIN_LENGTH} characters`, { field })
    }
    if (Buffer.byteLength(password, 'utf8') > PASSWORD_MAX_BYTES) {
      throw new ValidationError(`${field} must be at most ${PASSWORD_MAX_BYTES} bytes in UTF-8`, { field })
    }
  }

  hash(password: string): Promise<string> {
    return this.engine.hash(password, this.cost)
  }

  /** Compares against `hash`, or against the dummy hash when there is no account, so timing matches. */
  async matches(password: string, hash: string | undefined): Promise<boolean> {
    const matched = await this.engine.compare(password, hash ?? this.dummyHash)
    return matched && hash !== undefined
  }
}
