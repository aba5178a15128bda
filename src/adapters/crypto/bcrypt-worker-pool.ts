// BcryptEngine on a small pool of worker threads, so logins and registrations never block the event
// loop (GET /health stays fast under login load) and use every core. Threads start on first use and
// do not keep the process alive.
import { availableParallelism } from 'node:os'
import { extname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { BcryptEngine } from '../../ports/bcrypt-engine'
import type { BcryptReply, BcryptRequest } from './bcrypt-worker'

interface Pending {
  resolve(value: string | boolean): void
  reject(error: Error): void
}

interface Thread {
  worker: Worker
  /** Ids of the requests this thread is computing. */
  requests: Set<number>
}

/**
 * The worker's file: beside this module when run from source (src/.../bcrypt-worker.ts), or beside
 * the bundle that contains this code (dist/bcrypt-worker.js or .mjs, built by scripts/build.mjs).
 */
function workerFile(): URL {
  const extension = extname(fileURLToPath(import.meta.url))
  return new URL(`./bcrypt-worker${extension}`, import.meta.url)
}

/**
 * Run from source (tests under tsx), the worker is TypeScript too; Node 20 does not pass the parent's
 * loader hooks to worker threads, so the worker registers tsx itself before loading the file.
 */
function sourceWorker(file: URL): Worker {
  const tsx = import.meta.resolve('tsx/esm/api')
  const code = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(file.href)}) })`
  return new Worker(code, { eval: true })
}

export class BcryptWorkerPool implements BcryptEngine {
  private readonly threads: Thread[] = []
  private readonly pending = new Map<number, Pending>()
  private nextId = 0

  constructor(private readonly size: number = Math.max(1, Math.min(availableParallelism(), 4))) {}

  hash(password: string, cost: number): Promise<string> {
    return this.run({ op: 'hash', password, argument: cost }) as Promise<string>
  }

  compare(password: string, hash: string): Promise<boolean> {
    return this.run({ op: 'compare', password, argument: hash }) as Promise<boolean>
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.splice(0).map((thread) => thread.worker.terminate()))
  }

  private run(request: Omit<BcryptRequest, 'id'>): Promise<string | boolean> {
    const id = this.nextId++
    const thread = this.leastBusy()
    thread.requests.add(id)
    return new Promise<string | boolean>((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
      thread.worker.postMessage({ ...request, id } satisfies BcryptRequest)
    }).finally(() => {
      thread.requests.delete(id)
    })
  }

  private leastBusy(): Thread {
    const idle = this.threads.find((thread) => thread.requests.size === 0)
    if (idle) return idle
    if (this.threads.length < this.size) return this.spawn()
    return this.threads.reduce((best, thread) => (thread.requests.size < best.requests.size ? thread : best))
  }

  private spawn(): Thread {
    const file = workerFile()
    const worker = file.pathname.endsWith('.ts') ? sourceWorker(file) : new Worker(file)
    worker.unref()
    const thread: Thread = { worker, requests: new Set() }
    worker.on('message', (reply: BcryptReply) => {
      const pending = this.pending.get(reply.id)
      this.pending.delete(reply.id)
      if ('error' in reply) pending?.reject(new Error(reply.error))
      else pending?.resolve(reply.result)
    })
    worker.on('error', (error) => {
      // A crashed thread fails what it was doing; the pool replaces it on the next request.
      this.threads.splice(this.threads.indexOf(thread), 1)
      for (const id of thread.requests) {
        this.pending.get(id)?.reject(error)
        this.pending.delete(id)
      }
    })
    this.threads.push(thread)
    return thread
  }
}
