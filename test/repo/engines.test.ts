// package.json's `engines.node` is honest: every installed package (package-lock.json, runtime and
// development) accepts every Node version it declares, except the few listed below, each of which is
// shown to run on the older versions anyway (README, "Node versions").
import t from 'tap'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { projectRoot } from '../helpers/build'

// semver ships no types here; only this function of it is used.
const { subset } = createRequire(import.meta.url)('semver') as { subset(inner: string, outer: string): boolean }

interface LockEntry { version?: string; dev?: boolean; engines?: { node?: string } | string[] }

const packageJson = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { engines?: { node?: string } }
const lock = JSON.parse(readFileSync(join(projectRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> }
const declared = packageJson.engines?.node ?? ''

/** Packages that declare a newer Node than ours, and why they run on ours all the same. */
const NEWER_THAN_DECLARED: Record<string, string> = {
  // Calls Promise.withResolvers (Node 22); src/local/stepfunctions/promise-with-resolvers.ts defines
  // it first. Only the embedded runtime loads it: no Lambda bundle contains it (test/repo/bundles.test.ts).
  'node_modules/aws-local-stepfunctions': 'local mode only; Promise.withResolvers polyfilled',
  // An ES module that light-my-request (fastify.inject, used by @fastify/aws-lambda) loads with
  // require(): require(esm) works without a flag from Node 20.19 and 22.12, below our lower bounds.
  'node_modules/cookie': 'ESM loaded through require(esm), available from 20.19'
}

t.test('package.json declares the supported Node versions', async (t) => {
  t.equal(declared, '^20.19.0 || ^22.13.0 || >=24', 'engines.node (README, "Node versions", says the same)')
  t.ok(readFileSync(join(projectRoot, 'README.md'), 'utf8').includes(`\`${declared}\``), 'the README names the same range')
})

t.test('every installed package accepts every declared Node version, or is a known exception', async (t) => {
  const narrower: string[] = []
  for (const [path, entry] of Object.entries(lock.packages)) {
    const node = Array.isArray(entry.engines) ? undefined : entry.engines?.node
    if (path === '' || node === undefined) continue
    if (!subset(declared, node)) narrower.push(path)
    if (path in NEWER_THAN_DECLARED) t.notOk(subset(declared, node), `${path} (${node}) still needs its exception (else remove it)`)
  }
  t.same(narrower.filter((path) => !(path in NEWER_THAN_DECLARED)), [], 'no other package wants a newer Node than package.json declares')
  t.same(Object.keys(NEWER_THAN_DECLARED).filter((path) => !(path in lock.packages)), [], 'every exception is still installed')
})
