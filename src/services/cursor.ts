// Opaque, tamper-proof pagination cursors (`lastKey`) shared by every paginated list. A cursor is
// `base64url(JSON key).base64url(HMAC-SHA256(scope, payload))`: clients cannot read meaning into it,
// forge one, or replay one against another list. The scope names the list and, for per-user lists,
// the user (e.g. `orders:<userId>`), so one user's cursor is rejected for another user's list.
import { createHmac, timingSafeEqual } from 'node:crypto'
import { ValidationError } from '../domain/errors'

const BASE64URL = /^[A-Za-z0-9_-]+$/
/** Far above any real key (a few table attributes); bounds the work done on hostile input. */
const MAX_CURSOR_LENGTH = 4096

export class CursorCodec {
  private readonly key: Buffer

  constructor(secret: string) {
    if (secret.length === 0) throw new Error('CursorCodec needs a non-empty secret')
    this.key = Buffer.from(secret, 'utf8')
  }

  encode(key: Record<string, unknown>, scope: string): string {
    const payload = Buffer.from(JSON.stringify(key), 'utf8').toString('base64url')
    return `${payload}.${this.sign(payload, scope).toString('base64url')}`
  }

  /** The key `encode` was given; ValidationError (field `lastKey`) on any tampering, bad format or wrong scope. */
  decode(cursor: string, scope: string): Record<string, unknown> {
    if (typeof cursor !== 'string' || cursor.length > MAX_CURSOR_LENGTH) throw invalidCursor()
    const [payload, signature, ...rest] = cursor.split('.')
    if (!payload || !signature || rest.length > 0 || !BASE64URL.test(payload) || !BASE64URL.test(signature)) throw invalidCursor()
    const expected = this.sign(payload, scope)
    const given = Buffer.from(signature, 'base64url')
    // Re-encoding must give back the same text, so no second spelling of a signature is accepted.
    if (given.length !== expected.length || given.toString('base64url') !== signature || !timingSafeEqual(given, expected)) {
      throw invalidCursor()
    }
    let key: unknown
    try {
      key = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
    } catch {
      throw invalidCursor()
    }
    if (!key || typeof key !== 'object' || Array.isArray(key)) throw invalidCursor()
    return key as Record<string, unknown>
  }

  private sign(payload: string, scope: string): Buffer {
    // The NUL separator keeps (scope, payload) pairs unambiguous: base64url text never contains it.
    return createHmac('sha256', this.key).update(scope).update('\u0000').update(payload).digest()
  }
}

function invalidCursor(): ValidationError {
  return new ValidationError('lastKey is invalid', { field: 'lastKey' })
}
