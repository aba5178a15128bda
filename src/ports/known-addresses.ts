// Port: client addresses that logged into an account successfully lately, shared by every instance.
// They keep a way in when others have used up the account's failed-login limit.
export interface KnownAddresses {
  remember(account: string, address: string): Promise<void>
  isKnown(account: string, address: string): Promise<boolean>
}
