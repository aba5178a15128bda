// Fetches the official DynamoDB Local emulator (Java) into .cache/dynamodb-local/ for the embedded
// runtime. The npm package amplify-dynamodb-simulator ships it under emulator/; only that folder is
// taken — the package and its large dependency tree are never installed. The tarball is pinned by
// version and SHA-256, so a changed or tampered upload fails loudly instead of running.
// Usage: node scripts/dynamodb-local.mjs   (npm start and npm test run it; a no-op when present)
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { createReadStream, existsSync, mkdirSync, mkdtempSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import {
  DYNAMODB_LOCAL_DIR,
  DYNAMODB_LOCAL_PACKAGE,
  DYNAMODB_LOCAL_PACKAGE_VERSION,
  DYNAMODB_LOCAL_TARBALL_BYTES,
  DYNAMODB_LOCAL_TARBALL_INTEGRITY,
  DYNAMODB_LOCAL_TARBALL_SHA256,
  MARKER,
  MARKER_FILE,
  isDynamoDbLocalInstalled
} from '../src/local/dynamodb/emulator-pin.mjs'

// The pin lives in src/ (the local runtime checks it too, and src/ never imports scripts/); re-exported
// for the tests and scripts that already take it from here.
export * from '../src/local/dynamodb/emulator-pin.mjs'

const scriptRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/** Throws, naming both values, unless the file's SHA-256 and sha512 integrity are the expected ones. */
export async function verifyTarball(file, expected = { sha256: DYNAMODB_LOCAL_TARBALL_SHA256, integrity: DYNAMODB_LOCAL_TARBALL_INTEGRITY }) {
  const sha256 = createHash('sha256')
  const sha512 = createHash('sha512')
  for await (const chunk of createReadStream(file)) {
    sha256.update(chunk)
    sha512.update(chunk)
  }
  const actual = { sha256: sha256.digest('hex'), integrity: `sha512-${sha512.digest('base64')}` }
  for (const key of ['sha256', 'integrity']) {
    if (actual[key] !== expected[key]) {
      throw new Error(
        `${path.basename(file)}: ${key} mismatch, refusing to use it.\n  expected ${expected[key]}\n  actual   ${actual[key]}`
      )
    }
  }
}

/** How often a line says the download is still going: npm pack itself reports no progress. */
const PROGRESS_EVERY_MS = 5_000

/**
 * Makes sure the pinned DynamoDB Local is extracted under `<root>/.cache/dynamodb-local` and returns
 * that folder. Downloads only when it is missing or incomplete; `log` gets a line per step.
 */
export async function ensureDynamoDbLocal({ root = scriptRoot, log = () => {}, progressEveryMs = PROGRESS_EVERY_MS } = {}) {
  const dest = path.join(root, DYNAMODB_LOCAL_DIR)
  if (isDynamoDbLocalInstalled(dest)) return dest

  const work = mkdtempSync(path.join(tmpdir(), 'dynamodb-local-'))
  // Extracted next to the destination and renamed into place, so a concurrent run (npm start and
  // npm test at once) or a crash never leaves a half-written folder behind the marker.
  const staging = `${dest}.partial-${process.pid}`
  try {
    const started = Date.now()
    const seconds = () => `${Math.round((Date.now() - started) / 1000)} s`
    log(
      `Downloading DynamoDB Local (first start only): npm package ${DYNAMODB_LOCAL_PACKAGE}@${DYNAMODB_LOCAL_PACKAGE_VERSION}, ` +
        `${megabytes(DYNAMODB_LOCAL_TARBALL_BYTES)}; its emulator/ goes to ${DYNAMODB_LOCAL_DIR}…`
    )
    const ticker = setInterval(() => log(`  still downloading… ${seconds()}`), progressEveryMs)
    let stdout
    try {
      ;({ stdout } = await run('npm', ['pack', `${DYNAMODB_LOCAL_PACKAGE}@${DYNAMODB_LOCAL_PACKAGE_VERSION}`, '--pack-destination', work, '--silent'], root))
    } finally {
      clearInterval(ticker)
    }
    const tarballName = stdout.trim().split('\n').pop()
    if (!tarballName) throw new Error('npm pack printed no file name')
    const tarball = path.join(work, tarballName)
    log(`  downloaded ${megabytes(statSync(tarball).size)} in ${seconds()}; verifying its checksums and extracting…`)
    await verifyTarball(tarball)

    rmSync(staging, { recursive: true, force: true })
    mkdirSync(staging, { recursive: true })
    await run('tar', ['-xzf', tarball, '--strip-components=2', '-C', staging, 'package/emulator'], root)
    if (!existsSync(path.join(staging, 'DynamoDBLocal.jar'))) throw new Error(`${tarballName} has no emulator/DynamoDBLocal.jar`)
    writeFileSync(path.join(staging, MARKER_FILE), MARKER)

    if (isDynamoDbLocalInstalled(dest)) return dest // another run finished first
    rmSync(dest, { recursive: true, force: true })
    mkdirSync(path.dirname(dest), { recursive: true })
    renameSync(staging, dest)
    log(`  DynamoDB Local is ready (${seconds()}).`)
    return dest
  } finally {
    rmSync(staging, { recursive: true, force: true })
    rmSync(work, { recursive: true, force: true })
  }
}

function megabytes(bytes) {
  return `${(bytes / 1_000_000).toFixed(1)} MB`
}

async function run(command, args, cwd) {
  try {
    // npm is a .cmd script on Windows, which only a shell can start.
    return await promisify(execFile)(command, args, { cwd, maxBuffer: 16 * 1024 * 1024, shell: process.platform === 'win32' })
  } catch (error) {
    const detail = error.code === 'ENOENT' ? `${command} not found on PATH` : (error.stderr || error.message).trim()
    throw new Error(`${command} ${args[0]} failed: ${detail}`, { cause: error })
  }
}

// Run directly (not when imported, and not when bundled into another entry point by esbuild).
if (invokedDirectly()) {
  ensureDynamoDbLocal({ log: (line) => console.log(line) }).then(
    (dir) => console.log(`DynamoDB Local (${DYNAMODB_LOCAL_PACKAGE}@${DYNAMODB_LOCAL_PACKAGE_VERSION}) is in ${dir}`),
    (error) => {
      console.error(`Could not set up DynamoDB Local: ${error.message}`)
      process.exitCode = 1
    }
  )
}

function invokedDirectly() {
  try {
    const invoked = realpathSync(process.argv[1] ?? '')
    return path.basename(invoked) === 'dynamodb-local.mjs' && invoked === realpathSync(fileURLToPath(import.meta.url))
  } catch {
    return false
  }
}
