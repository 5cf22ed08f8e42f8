/**
 * Dependency direction of DESIGN section 7, checked in CI (`npm run deps:validate`):
 * only routes (and the HTTP shell) import Fastify, only repositories and src/db touch SQL,
 * modules meet only through services or the module registry (never another module's
 * repository or internals), and only the container lists the modules. The wire protocol
 * (src/protocol) is the one piece the web client shares with the server: it stands alone, and
 * the client reaches nothing else of src/.
 */
module.exports = {
  forbidden: [
    {
      name: 'only-routes-import-fastify',
      comment: 'Fastify belongs to routes and the HTTP shell (app.ts, src/http); services stay transport-free.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['\\.routes\\.ts$', '^src/app\\.ts$', '^src/http/', '\\.module\\.ts$', '^src/modules/module\\.ts$'] },
      to: { path: 'node_modules/(fastify|@fastify)/' },
    },
    {
      name: 'module-descriptors-fastify-types-only',
      comment: 'A module descriptor hands its routes to the app; it may name Fastify types, never use Fastify itself.',
      severity: 'error',
      from: { path: ['\\.module\\.ts$', '^src/modules/module\\.ts$'] },
      to: { path: 'node_modules/(fastify|@fastify)/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'only-repositories-touch-sql',
      comment: 'SQL lives in repositories and src/db.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['\\.repository\\.ts$', '^src/db/'] },
      to: { path: ['node_modules/(drizzle-orm|pg|@electric-sql/pglite)/', '^src/db/(schema\\.ts$|tables/)'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-foreign-repository',
      comment: 'A module calls another module\'s service, never its repository.',
      severity: 'error',
      from: { path: '^src/modules/([^/]+)/' },
      to: { path: '^src/modules/[^/]+/[^/]+\\.repository\\.ts$', pathNot: '^src/modules/$1/' },
    },
    {
      name: 'modules-meet-through-services',
      comment:
        'Modules reach each other only through services (`*.service.ts`) or the registry (`*.module.ts`, `src/modules/module.ts`); type-only imports of their public shapes are fine.',
      severity: 'error',
      from: { path: '^src/modules/([^/]+)/' },
      to: {
        path: '^src/modules/[^/]+/',
        pathNot: ['^src/modules/$1/', '\\.service\\.ts$', '\\.module\\.ts$'],
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'only-the-container-lists-modules',
      comment: 'Module descriptors are assembled by container.ts alone (one line per module).',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/container\\.ts$', '\\.module\\.ts$'] },
      to: { path: '\\.module\\.ts$' },
    },
    {
      name: 'domain-does-not-import-http',
      comment: 'Services and pure logic never depend on the HTTP layer.',
      severity: 'error',
      from: { path: '^src/modules/', pathNot: ['\\.routes\\.ts$', '\\.schemas\\.ts$'] },
      to: { path: '^src/(http/|app\\.ts)' },
    },
    {
      name: 'web-imports-only-protocol-from-src',
      comment: 'The browser client shares the wire protocol with the server, nothing else (no server code in the bundle).',
      severity: 'error',
      from: { path: '^web/' },
      to: { path: '^src/', pathNot: '^src/protocol/' },
    },
    {
      name: 'protocol-stands-alone',
      comment: 'src/protocol is imported by the browser build: it imports typebox and itself only (nothing from src/modules, src/http, src/db or the rest of src/, no Node built-in, no other package).',
      severity: 'error',
      from: { path: '^src/protocol/' },
      to: { pathNot: ['^src/protocol/', 'node_modules/typebox/'] },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true, dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.tsx', '.js'] },
  },
};
