// What an Idempotency-Key may be: 1–255 printable ASCII characters, enough for a UUID or any client
// scheme and safe to store and log. Checked by services/idempotency.ts and stated by the header's
// schema (src/schemas/common.ts), so the two cannot drift.
export const IDEMPOTENCY_KEY_RULE = { minLength: 1, maxLength: 255, pattern: '^[\\x20-\\x7E]+$' } as const
