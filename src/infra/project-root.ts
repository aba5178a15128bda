// Finds the project root (the folder holding package.json) from a module URL. Code runs both from
// src/ (tsx) and bundled into dist/ (esbuild), so no fixed depth can be assumed.
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export function projectRootFrom(moduleUrl: string): string {
  let folder = dirname(fileURLToPath(moduleUrl))
  while (!existsSync(join(folder, 'package.json'))) {
    const parent = dirname(folder)
    if (parent === folder) throw new Error(`No package.json above ${fileURLToPath(moduleUrl)}`)
    folder = parent
  }
  return folder
}
