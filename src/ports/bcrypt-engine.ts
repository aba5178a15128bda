// Port: the bcrypt computation. Its implementation decides where the CPU work runs: bcrypt at cost
// 12 takes a quarter second of CPU, which must not block the event loop serving other requests.
export interface BcryptEngine {
  hash(password: string, cost: number): Promise<string>
  compare(password: string, hash: string): Promise<boolean>
}
