// Port: records of Idempotency-Key requests, one per (scope, key). A request first claims the key
// (in progress, with a lease), then completes it with its response or releases it. Every write is
// conditional, so concurrent requests and instances agree on who runs the operation.
// AWS and local: DynamoDB (adapters/dynamodb/idempotency-store.ts).

/** A response as the API sends it: status code and JSON body. */
export interface StoredResponse {
  statusCode: number
  body: unknown
}

export type IdempotencyRecord =
  | {
      status: 'in_progress'
      fingerprint: string
      claimId: string
      /** Epoch milliseconds after which another request may take the claim over. */
      leaseExpiresAt: number
    }
  | { status: 'completed'; fingerprint: string; response: StoredResponse }

export interface IdempotencyClaim {
  /** Unique per attempt; only its holder may complete or release the record. */
  claimId: string
  fingerprint: string
  /** Epoch milliseconds; the current time, against which an existing lease is judged. */
  now: number
  leaseExpiresAt: number
  /** Epoch seconds after which the record is gone (TTL). */
  expiresAt: number
}

export interface IdempotencyStore {
  /**
   * The live record (consistent read). One past its `expiresAt` at `now` (epoch milliseconds) counts
   * as absent: TTL deletes items only eventually.
   */
  get(scope: string, key: string, now: number): Promise<IdempotencyRecord | undefined>
  /**
   * Takes the key for this claim when there is no live record, or when an in-progress record with
   * the same fingerprint has an expired lease (its request crashed). False when someone else holds it
   * or it is completed.
   */
  claim(scope: string, key: string, claim: IdempotencyClaim): Promise<boolean>
  /** Stores the response if `claimId` still holds the claim; false when it lost it. */
  complete(scope: string, key: string, claimId: string, response: StoredResponse, expiresAt: number): Promise<boolean>
  /** Removes the in-progress record if `claimId` still holds it, so the key can be retried. */
  release(scope: string, key: string, claimId: string): Promise<boolean>
}
