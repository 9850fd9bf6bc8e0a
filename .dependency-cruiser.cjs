/**
 * Layering rules of src/ (see docs/architecture.md), checked in CI by `npm run lint:deps`.
 * kernel ← areas ← http ← app ← cli; the store and the configuration are leaves every layer may use.
 */
const AREAS = '^src/(agents|groups|bots|tags|auto-access|other|properties|webhooks|tenancy|greetings|bans|email-bounces|company)/';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import circles anywhere in src/ (type-only imports included).',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'kernel-knows-no-http',
      severity: 'error',
      comment: 'The kernel (action definition, errors, scopes, validation) imports no Fastify and no HTTP layer.',
      from: { path: '^src/kernel/' },
      to: { path: ['^node_modules/fastify', '^node_modules/@fastify/', '^src/http/', '^src/app\\.ts$', '^src/cli/'] },
    },
    {
      name: 'kernel-knows-no-area',
      severity: 'error',
      comment: 'Areas import the kernel, never the other way round.',
      from: { path: '^src/kernel/' },
      to: { path: [AREAS, '^src/areas(-v36)?\\.ts$', '^src/core\\.ts$'] },
    },
    {
      name: 'areas-know-no-http',
      severity: 'error',
      comment: 'Areas do not import the HTTP layer, the composition root or the CLI (nor Fastify).',
      from: { path: AREAS },
      to: { path: ['^src/http/', '^src/app\\.ts$', '^src/cli/', '^src/core\\.ts$', '^src/areas(-v36)?\\.ts$', '^node_modules/fastify', '^node_modules/@fastify/'] },
    },
    {
      name: 'store-knows-no-area',
      severity: 'error',
      comment: 'The store (connections, migrations, transactions) imports no area, kernel logic aside from errors, or HTTP.',
      from: { path: '^src/store/' },
      to: { path: [AREAS, '^src/http/', '^src/app\\.ts$', '^src/cli/', '^src/core\\.ts$', '^src/areas(-v36)?\\.ts$'] },
    },
    {
      name: 'config-is-a-leaf',
      severity: 'error',
      comment: 'The configuration depends on nothing of the project.',
      from: { path: '^src/config\\.ts$' },
      to: { path: '^src/' },
    },
    {
      name: 'only-the-cli-reads-no-tests',
      severity: 'error',
      comment: 'Production code never imports tests or the bench.',
      from: { path: '^src/' },
      to: { path: ['^test/', '^bench/'] },
    },
    {
      name: 'client-is-standalone',
      severity: 'error',
      comment: 'The typed client (config-api/client) runs outside the server: it imports nothing else of the project, and no package.',
      from: { path: '^src/client/(index|actions\\.generated)\\.ts$' },
      to: { pathNot: '^src/client/(index|actions\\.generated)\\.ts$' },
    },
    {
      name: 'tests-do-not-import-the-bench',
      severity: 'error',
      comment: 'The bench may use test support, not the other way round.',
      from: { path: '^test/' },
      to: { path: '^bench/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.test.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
