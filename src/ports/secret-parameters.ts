// Port: where the deployed functions' secrets (JWT key, Stripe keys) are kept, read by name at startup.
export interface SecretParameters {
  /**
   * The decrypted value of each named parameter, by name, in one round trip. Rejects when any is
   * missing or not stored encrypted, naming it; never returns a partial answer.
   */
  read(names: readonly string[]): Promise<Map<string, string>>
}
