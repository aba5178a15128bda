// Port: which events a consumer has already handled, so a redelivered message changes nothing.
export interface ProcessedEvents {
  has(consumer: string, eventId: string): Promise<boolean>
  /** Records the event as handled; the record expires after the redelivery horizon. */
  remember(consumer: string, eventId: string): Promise<void>
}
