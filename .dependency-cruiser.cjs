/**
 * Layering rules of src/ (see docs/architecture.md, "Layers"), checked in CI by `npm run lint:deps`.
 *
 * LAYERS lists the layers bottom to top; a module may import its own layer and the layers below it, never one above
 * (one rule per layer, generated below). The areas are layers of their own, in AREA_ORDER: an area imports only the
 * areas before it, so no two area folders can need each other (a need upward goes through the cascades,
 * kernel/cascades.ts). A module of src/ in no layer fails too, so a new folder is placed here before it is used.
 */

/** The areas, bottom to top: each may import the ones before it. */
const AREA_ORDER = [
  'webhooks', // the outbox every area records events in; the registry
  'groups', // groups and memberships, which agents, bots, tags, rules, properties and greetings refer to
  'agents', // agents (and the rows of bots), which bots, bans and bounces refer to
  'bots',
  'tags',
  'auto-access',
  'properties',
  'other', // counts agents, groups and auto access rules for plan limits
  'greetings',
  'bans',
  'email-bounces',
  'company',
];

const LAYERS = [
  { name: 'configuration', paths: ['^src/config\\.ts$', '^src/config-values\\.ts$', '^src/package-info\\.ts$'] },
  { name: 'store', paths: ['^src/store/'] },
  { name: 'kernel', paths: ['^src/kernel/'] },
  { name: 'shared state', paths: ['^src/shared-state/'] },
  { name: 'tenancy', paths: ['^src/tenancy/'] },
  ...AREA_ORDER.map((area) => ({ name: `area ${area}`, paths: [`^src/${area}/`] })),
  { name: 'area lists', paths: ['^src/areas\\.ts$', '^src/areas-v34\\.ts$', '^src/areas-v36\\.ts$'] },
  { name: 'versions', paths: ['^src/versions/'] },
  { name: 'core', paths: ['^src/core\\.ts$'] }, // its transactions carry the versions' webhook formats
  { name: 'provisioning', paths: ['^src/provisioning/'] },
  { name: 'http', paths: ['^src/http/'] },
  { name: 'composition root', paths: ['^src/app\\.ts$'] },
  { name: 'cli', paths: ['^src/cli/'] },
];

/** The typed client (config-api/client): outside the layers, it imports nothing of the project (rule below). */
const CLIENT = '^src/client/(index|transport|actions\\.generated)\\.ts$';

const slug = (name) => name.replace(/[^a-z0-9]+/g, '-');
const HTTP_LAYER = LAYERS.findIndex((l) => l.name === 'http');

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
      name: 'no-folder-cycles',
      severity: 'error',
      comment: 'No two folders of src/ import each other, directly or through others.',
      scope: 'folder',
      from: { path: '^src/' },
      to: { circular: true },
    },
    ...LAYERS.slice(0, -1).map((layer, i) => ({
      name: `layer-${slug(layer.name)}-imports-nothing-above`,
      severity: 'error',
      comment: `The ${layer.name} layer imports only itself and the layers below it: not ${LAYERS.slice(i + 1).map((l) => l.name).join(', ')}.`,
      from: { path: layer.paths },
      to: { path: LAYERS.slice(i + 1).flatMap((l) => l.paths) },
    })),
    {
      name: 'every-module-in-a-layer',
      severity: 'error',
      comment: 'Every module of src/ belongs to a layer of LAYERS (a new top-level folder or file is placed there first).',
      from: { path: '^src/', pathNot: [...LAYERS.flatMap((l) => l.paths), CLIENT] },
      to: {},
    },
    {
      name: 'no-fastify-below-http',
      severity: 'error',
      comment: 'Only the HTTP layer and above know Fastify: the kernel, the areas, the core and provisioning do not.',
      from: { path: LAYERS.slice(0, HTTP_LAYER).flatMap((l) => l.paths) },
      to: { path: ['^node_modules/fastify', '^node_modules/@fastify/'] },
    },
    {
      name: 'config-is-a-leaf',
      severity: 'error',
      comment: 'The configuration depends on nothing of the project but its value parsers (config-values.ts, a leaf).',
      from: { path: '^src/config(-values)?\\.ts$' },
      to: { path: '^src/', pathNot: '^src/config-values\\.ts$' },
    },
    {
      name: 'only-the-cli-reads-no-tests',
      severity: 'error',
      comment: 'Production code never imports tests, the bench or the scripts.',
      from: { path: '^src/' },
      to: { path: ['^test/', '^bench/', '^scripts/'] },
    },
    {
      name: 'client-is-standalone',
      severity: 'error',
      comment: 'The typed client (config-api/client) runs outside the server: it imports nothing else of the project, and no package.',
      from: { path: CLIENT },
      to: { pathNot: CLIENT },
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

// The layers and the area order as written here, for a test comparing them with docs/architecture.md (not
// enumerable: dependency-cruiser refuses configuration keys it does not know).
Object.defineProperty(module.exports, 'layers', { value: { LAYERS, AREA_ORDER }, enumerable: false });
