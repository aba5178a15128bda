// Lint rules for the whole repository; `npm test` runs this before the type-check and the tests.
import js from '@eslint/js'
import boundaries from 'eslint-plugin-boundaries'
import globals from 'globals'
import tseslint from 'typescript-eslint'

/**
 * The dependency directions of DESIGN.md section 3 (routes/workers → services → ports ← adapters; domain
 * depends on nothing; src/local/ depends on the app, never the reverse), as eslint-plugin-boundaries
 * rules for the files under `rootPath`/src. A function so test/repo/boundaries.test.ts can apply the very same
 * rules to a throw-away tree and prove that each of them fails.
 */
export function boundariesConfig(rootPath) {
  // Folders are matched from the root (not as a path suffix), so a src/ nested elsewhere is not classified.
  const folder = (type, pattern) => ({ type, pattern, partialMatch: false })
  const file = (type, pattern) => ({ type, pattern, mode: 'full' })
  const to = (type) => ({ to: { element: { type } } })
  const from = (type) => ({ element: { type } })
  const app = ['domain', 'ports', 'services', 'adapters', 'routes', 'plugins', 'workers', 'composition', 'entry', 'shared']
  return [
    {
      files: ['src/**/*.{ts,js,mjs}'],
      plugins: { boundaries },
      settings: {
        'boundaries/root-path': rootPath,
        // Literal dynamic imports count too: the bundler would follow them into the bundle.
        'boundaries/dependency-nodes': ['import', 'export', 'dynamic-import', 'require'],
        'boundaries/legacy-warnings': false,
        'import/resolver': { node: { extensions: ['.ts', '.js', '.mjs', '.json'] } },
        // First match wins: the specific layers, then whatever else is in src/ (app.ts, config, logger, schemas, infra).
        'boundaries/elements': [
          folder('local', 'src/local'),
          folder('domain', 'src/domain'),
          folder('ports', 'src/ports'),
          folder('services', 'src/services'),
          folder('adapters', 'src/adapters'),
          folder('routes', 'src/routes'),
          folder('plugins', 'src/plugins'),
          folder('workers', 'src/workers'),
          // The composition root, as one file or split into one root per entry point.
          folder('composition', 'src/composition'),
          file('composition', 'src/composition.ts'),
          file('entry', 'src/{lambda,server}.ts'),
          file('shared', 'src/**/*'),
          folder('outside', 'scripts'),
          folder('outside', 'test'),
          folder('outside', 'bench')
        ]
      },
      rules: {
        'boundaries/dependencies': ['error', {
          default: 'allow',
          // Last matching policy wins; imports inside one element (e.g. service → service) are not checked.
          policies: [
            { from: from('domain'), disallow: to('*'), message: 'src/domain imports nothing of ours' },
            { from: from('ports'), disallow: to('*'), message: 'src/ports import only domain and ports' },
            { from: from('ports'), allow: to('domain') },
            { from: from('services'), disallow: to('*'), message: 'src/services import only domain, ports and other services' },
            { from: from('services'), allow: to(['domain', 'ports']) },
            {
              from: from('adapters'),
              disallow: to(['services', 'routes', 'plugins', 'workers', 'composition', 'entry']),
              message: 'src/adapters implement ports: they import domain and ports, never services or the layers above'
            },
            { from: from(['routes', 'plugins']), disallow: to('adapters'), message: 'routes and plugins reach adapters only through services' },
            // Covers lambda.ts, workers/, composition(.ts|/), routes and plugins among the rest: no bundle but
            // dist/local-server.js may contain the embedded runtime. server.ts reaches it only through a
            // computed dynamic import, which no static rule can see (and the bundler does not follow).
            { from: from(app), disallow: to('local'), message: 'only src/local/ may import src/local/ (it depends on the app, never the reverse)' },
            { from: from([...app, 'local']), disallow: to('outside'), message: 'nothing in src/ imports scripts/, test/ or bench/' }
          ]
        }]
      }
    }
  ]
}

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.cache/', '.data/', 'coverage/', '.tap/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }]
    }
  },
  ...boundariesConfig(import.meta.dirname)
)
