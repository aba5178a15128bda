// The pinned DynamoDB Local release and how to tell that it is installed. Plain JavaScript because both
// scripts/dynamodb-local.mjs (run by bare `node`, which fetches it) and the launcher beside this file
// need it; it lives in src/ so that the dependency points from scripts/ to src/, never the reverse.
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'

export const DYNAMODB_LOCAL_PACKAGE = 'amplify-dynamodb-simulator'
export const DYNAMODB_LOCAL_PACKAGE_VERSION = '2.9.30'
export const DYNAMODB_LOCAL_TARBALL_SHA256 = '3503ffac19f183407909fecdacf4db51ab1fdad1da7b2f177016670b2d80e4b9'
/** The registry's own integrity value for the same tarball, checked as well. */
export const DYNAMODB_LOCAL_TARBALL_INTEGRITY =
  'sha512-xTeeRLvzEfqyd5lh3bH4c0kHvSHHmmhD5ZDsHFKAQ5g2Zl6JqlFdutaQhCLHzxEp6Ry1o7TB6niIoXuQAnSewQ=='
/** The tarball's size, told to the user before the download (npm pack reports no progress of its own). */
export const DYNAMODB_LOCAL_TARBALL_BYTES = 56_573_501
/** Where the emulator lives, relative to the project root (git-ignored). */
export const DYNAMODB_LOCAL_DIR = '.cache/dynamodb-local'

// Written after everything else: a folder without it (an interrupted extraction) is redone.
export const MARKER_FILE = '.installed'
export const MARKER = `${DYNAMODB_LOCAL_PACKAGE}@${DYNAMODB_LOCAL_PACKAGE_VERSION} sha256:${DYNAMODB_LOCAL_TARBALL_SHA256}\n`

/** True when `dir` holds a complete extraction of the pinned version. */
export function isDynamoDbLocalInstalled(dir) {
  try {
    return readFileSync(path.join(dir, MARKER_FILE), 'utf8') === MARKER && existsSync(path.join(dir, 'DynamoDBLocal.jar'))
  } catch {
    return false
  }
}
