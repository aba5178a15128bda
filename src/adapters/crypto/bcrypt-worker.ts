// Worker thread of BcryptWorkerPool: computes bcrypt (bcryptjs, synchronously: this thread does
// nothing else) for messages from the pool. Bundled as its own file (dist/bcrypt-worker.*).
import { parentPort } from 'node:worker_threads'
import bcrypt from 'bcryptjs'

export interface BcryptRequest {
  id: number
  op: 'hash' | 'compare'
  password: string
  /** The cost for `hash`, the stored hash for `compare`. */
  argument: number | string
}

export type BcryptReply = { id: number; result: string | boolean } | { id: number; error: string }

parentPort?.on('message', (request: BcryptRequest) => {
  try {
    const result = request.op === 'hash' ? bcrypt.hashSync(request.password, Number(request.argument)) : bcrypt.compareSync(request.password, String(request.argument))
    parentPort?.postMessage({ id: request.id, result } satisfies BcryptReply)
  } catch (error) {
    parentPort?.postMessage({ id: request.id, error: (error as Error).message } satisfies BcryptReply)
  }
})
