// The dependency rules `npm run lint` enforces (eslint.config.js, eslint-plugin-boundaries): each one is
// shown to fail on a small throw-away tree that mirrors src/ (one forbidden import per case), and not to
// fire on the allowed edges. A last check runs the real config on the real tree, so the rules cannot be
// left out of the default export unnoticed.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { ESLint, type Linter } from 'eslint'
import t from 'tap'
import tseslint from 'typescript-eslint'

const RULE = 'boundaries/dependencies'
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

// A computed specifier keeps tsc from looking for types of the plain-JavaScript config file.
const { boundariesConfig } = (await import(pathToFileURL(join(repoRoot, 'eslint.config.js')).href)) as {
  boundariesConfig: (rootPath: string) => Linter.Config[]
}

/** One file per kind of element, each importable by the cases below. */
const TREE = [
  'src/domain/order.ts',
  'src/domain/money.ts',
  'src/ports/order-repository.ts',
  'src/ports/event-bus.ts',
  'src/services/order-service.ts',
  'src/services/cursor.ts',
  'src/adapters/dynamodb/order-repository.ts',
  'src/adapters/dynamodb/conditional.ts',
  'src/routes/orders.ts',
  'src/plugins/auth-guard.ts',
  'src/workers/order-saga.ts',
  'src/composition.ts',
  'src/composition/api.ts',
  'src/composition/shared.ts',
  'src/lambda.ts',
  'src/server.ts',
  'src/app.ts',
  'src/config.ts',
  'src/logger.ts',
  'src/schemas/orders.ts',
  'src/local/server.ts',
  'src/local/runtime.ts',
  'src/local/dynamodb/dynamodb-local.ts',
  'scripts/dynamodb-local.mjs',
  'test/helpers/build.ts',
  'bench/run.ts'
]

const root = mkdtempSync(join(tmpdir(), 'boundaries-'))
t.teardown(() => rmSync(root, { recursive: true, force: true }))
for (const file of TREE) {
  mkdirSync(join(root, dirname(file)), { recursive: true })
  writeFileSync(join(root, file), 'export const value = 1\n')
}

const eslint = new ESLint({
  cwd: root,
  overrideConfigFile: true,
  overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } }, ...boundariesConfig(root)]
})

/** The specifier `from` would write for `to`: relative, without the .ts extension (.mjs is kept). */
function specifier(from: string, to: string): string {
  const path = relative(dirname(from), to).replace(/\.ts$/, '')
  return path.startsWith('.') ? path : `./${path}`
}

async function messagesFor(linter: ESLint, cwd: string, from: string, code: string): Promise<Linter.LintMessage[]> {
  const [result] = await linter.lintText(code, { filePath: join(cwd, from) })
  return result?.messages ?? []
}

type Edge = [from: string, to: string]

const forbidden: Record<string, Edge[]> = {
  'domain imports nothing of ours': [
    ['src/domain/order.ts', 'src/ports/event-bus.ts'],
    ['src/domain/order.ts', 'src/services/cursor.ts'],
    ['src/domain/order.ts', 'src/config.ts'],
    ['src/domain/order.ts', 'src/adapters/dynamodb/conditional.ts']
  ],
  'ports import only domain and ports': [
    ['src/ports/event-bus.ts', 'src/services/order-service.ts'],
    ['src/ports/event-bus.ts', 'src/adapters/dynamodb/order-repository.ts'],
    ['src/ports/event-bus.ts', 'src/logger.ts']
  ],
  'services import only domain, ports and services': [
    ['src/services/order-service.ts', 'src/adapters/dynamodb/order-repository.ts'],
    ['src/services/order-service.ts', 'src/logger.ts'],
    ['src/services/order-service.ts', 'src/config.ts'],
    ['src/services/order-service.ts', 'src/routes/orders.ts'],
    ['src/services/order-service.ts', 'src/schemas/orders.ts'],
    ['src/services/order-service.ts', 'src/composition/api.ts']
  ],
  'adapters import neither services nor the layers above': [
    ['src/adapters/dynamodb/order-repository.ts', 'src/services/order-service.ts'],
    ['src/adapters/dynamodb/order-repository.ts', 'src/routes/orders.ts'],
    ['src/adapters/dynamodb/order-repository.ts', 'src/composition.ts'],
    ['src/adapters/dynamodb/order-repository.ts', 'src/lambda.ts']
  ],
  'routes and plugins never import adapters': [
    ['src/routes/orders.ts', 'src/adapters/dynamodb/order-repository.ts'],
    ['src/plugins/auth-guard.ts', 'src/adapters/dynamodb/conditional.ts']
  ],
  'nothing outside src/local imports src/local': [
    ['src/lambda.ts', 'src/local/runtime.ts'],
    ['src/workers/order-saga.ts', 'src/local/runtime.ts'],
    ['src/composition.ts', 'src/local/runtime.ts'],
    ['src/composition/api.ts', 'src/local/dynamodb/dynamodb-local.ts'],
    ['src/adapters/dynamodb/order-repository.ts', 'src/local/dynamodb/dynamodb-local.ts'],
    ['src/routes/orders.ts', 'src/local/runtime.ts'],
    ['src/plugins/auth-guard.ts', 'src/local/runtime.ts'],
    ['src/services/order-service.ts', 'src/local/runtime.ts'],
    ['src/domain/order.ts', 'src/local/runtime.ts'],
    ['src/app.ts', 'src/local/runtime.ts'],
    ['src/server.ts', 'src/local/server.ts']
  ],
  'nothing in src imports scripts, test or bench': [
    ['src/app.ts', 'scripts/dynamodb-local.mjs'],
    ['src/local/dynamodb/dynamodb-local.ts', 'scripts/dynamodb-local.mjs'],
    ['src/services/order-service.ts', 'test/helpers/build.ts'],
    ['src/local/runtime.ts', 'test/helpers/build.ts'],
    ['src/composition/api.ts', 'bench/run.ts']
  ]
}

const allowed: Edge[] = [
  ['src/domain/order.ts', 'src/domain/money.ts'],
  ['src/ports/order-repository.ts', 'src/domain/order.ts'],
  ['src/ports/order-repository.ts', 'src/ports/event-bus.ts'],
  ['src/services/order-service.ts', 'src/domain/order.ts'],
  ['src/services/order-service.ts', 'src/ports/order-repository.ts'],
  ['src/services/order-service.ts', 'src/services/cursor.ts'],
  ['src/adapters/dynamodb/order-repository.ts', 'src/ports/order-repository.ts'],
  ['src/adapters/dynamodb/order-repository.ts', 'src/domain/order.ts'],
  ['src/adapters/dynamodb/order-repository.ts', 'src/adapters/dynamodb/conditional.ts'],
  ['src/routes/orders.ts', 'src/services/order-service.ts'],
  ['src/routes/orders.ts', 'src/plugins/auth-guard.ts'],
  ['src/plugins/auth-guard.ts', 'src/domain/order.ts'],
  ['src/workers/order-saga.ts', 'src/services/order-service.ts'],
  ['src/workers/order-saga.ts', 'src/composition/api.ts'],
  ['src/composition.ts', 'src/adapters/dynamodb/order-repository.ts'],
  ['src/composition/api.ts', 'src/adapters/dynamodb/order-repository.ts'],
  ['src/composition/api.ts', 'src/composition/shared.ts'],
  ['src/lambda.ts', 'src/composition/api.ts'],
  ['src/lambda.ts', 'src/app.ts'],
  ['src/server.ts', 'src/composition.ts'],
  ['src/app.ts', 'src/routes/orders.ts'],
  // src/local depends on the app, never the reverse.
  ['src/local/runtime.ts', 'src/composition/api.ts'],
  ['src/local/runtime.ts', 'src/adapters/dynamodb/order-repository.ts'],
  ['src/local/runtime.ts', 'src/services/order-service.ts'],
  ['src/local/server.ts', 'src/app.ts'],
  ['src/local/server.ts', 'src/local/runtime.ts'],
  // Outside src/ nothing is restricted: scripts and tests may use any of it.
  ['scripts/dynamodb-local.mjs', 'src/local/dynamodb/dynamodb-local.ts'],
  ['test/helpers/build.ts', 'src/local/runtime.ts']
]

for (const [rule, edges] of Object.entries(forbidden)) {
  t.test(`fails: ${rule}`, async (t) => {
    for (const [from, to] of edges) {
      const spec = specifier(from, to)
      for (const code of [`import { value } from '${spec}'\nexport const x = value\n`, `import type { value } from '${spec}'\nexport type X = typeof value\n`]) {
        const messages = await messagesFor(eslint, root, from, code)
        t.same(messages.map((m) => m.ruleId), [RULE], `${from} → ${to} (${code.startsWith('import type') ? 'type-only' : 'value'} import)`)
      }
    }
  })
}

t.test('passes: the allowed directions', async (t) => {
  for (const [from, to] of allowed) {
    const messages = await messagesFor(eslint, root, from, `import { value } from '${specifier(from, to)}'\nexport const x = value\n`)
    t.same(messages, [], `${from} → ${to}`)
  }
})

t.test('re-exports and literal dynamic imports count as imports (the bundler follows both)', async (t) => {
  const spec = specifier('src/server.ts', 'src/local/server.ts')
  for (const code of [`export { value } from '${spec}'\n`, `export * from '${spec}'\n`, `export const load = () => import('${spec}')\n`]) {
    const messages = await messagesFor(eslint, root, 'src/server.ts', code)
    t.same(messages.map((m) => m.ruleId), [RULE], code.trim())
  }
})

t.test("src/server.ts's computed dynamic import is what keeps src/local out of its bundle, and passes", async (t) => {
  const code = "const local = (): string => new URL('./local/server.ts', import.meta.url).href\nexport const load = () => import(local())\n"
  t.same(await messagesFor(eslint, root, 'src/server.ts', code), [])
})

t.test('the real eslint.config.js enforces the rules on the real tree', async (t) => {
  // The project's own config and files: a static import of the local server into src/server.ts is flagged.
  const real = new ESLint({ cwd: repoRoot })
  const messages = await messagesFor(real, repoRoot, 'src/server.ts', "import { runLocalServer } from './local/server'\nexport const run = runLocalServer\n")
  t.ok(messages.some((m) => m.ruleId === RULE), 'src/server.ts → src/local/server.ts is reported')
  const domain = await messagesFor(real, repoRoot, 'src/domain/order.ts', "import type { Config } from '../config'\nexport type C = Config\n")
  t.ok(domain.some((m) => m.ruleId === RULE), 'src/domain → src/config is reported')
})
