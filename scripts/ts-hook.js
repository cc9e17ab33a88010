// Lets `node -r ./scripts/ts-hook.js main.ts` run the TypeScript sources directly.
//
// Why not ts-node or tsx: ts-node type-checks the 1.1 MB imports/k8s.ts on every
// synth (seconds), and tsx's loader costs ~2x a bare `require('cdk8s')` at start-up.
// Here each file is transpiled once by esbuild (no type-check: that is `npm run
// typecheck`) and cached under a hash of its content and of the transpiler's
// version and options, so a cache hit costs one file read and one hash, and an
// edited, checked-out or copied source can never run stale.
'use strict';

const { createHash } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { addHook } = require('pirates');

const cacheDir = path.join(__dirname, '..', 'node_modules', '.cache', 'hello-node-ts');
const importsDir = path.join(__dirname, '..', 'imports') + path.sep;
const transformOptions = { loader: 'ts', format: 'cjs', target: `node${process.versions.node}`, sourcesContent: false };
const cacheSalt = JSON.stringify([require('esbuild/package.json').version, transformOptions]);

function transpile(source, filename) {
  const key = createHash('sha256').update(cacheSalt).update(filename).update(source).digest('hex');
  const cached = path.join(cacheDir, `${key}.js`);
  try {
    return fs.readFileSync(cached, 'utf8');
  } catch {
    // not cached yet: transpile below
  }
  // esbuild is loaded only on a cache miss: it is most of this hook's start-up cost.
  // Inline source maps let `NODE_OPTIONS=--enable-source-maps` (and the test suites,
  // which turn them on) point stack traces at the .ts lines; they are not enabled by
  // default, since parsing them costs about 10 ms a run. They carry mappings only, no
  // copy of the source (sourcesContent): stack traces need no more, and a copy would
  // double what each loaded module's map costs to decode. The generated imports/ get
  // none: a 2 MB map for code nobody edits.
  const sourcemap = filename.startsWith(importsDir) ? false : 'inline';
  const code = transform(source, filename, sourcemap);
  try {
    fs.mkdirSync(cacheDir, { recursive: true });
    // write-then-rename, so a concurrent reader (jest workers, parallel synths) never sees half a file
    const partial = `${cached}.${process.pid}.tmp`;
    fs.writeFileSync(partial, code);
    fs.renameSync(partial, cached);
  } catch {
    // a read-only checkout still runs, it just transpiles every time
  }
  return code;
}

/**
 * esbuild's transform, whose failure (a syntax error) is thrown as a SyntaxError
 * naming the file, line and column, as Node names its own: `main.ts:18:10: Unexpected
 * ";"`, not esbuild's multi-line report of its worker's stack.
 */
function transform(source, filename, sourcemap) {
  try {
    return require('esbuild').transformSync(source, { ...transformOptions, sourcemap, sourcefile: filename }).code;
  } catch (err) {
    const first = err.errors?.[0];
    if (!first?.location) {
      throw err;
    }
    const { file, line, column } = first.location;
    const more = err.errors.length > 1 ? ` (and ${err.errors.length - 1} more)` : '';
    throw new SyntaxError(`${file}:${line}:${column + 1}: ${first.text}${more}`);
  }
}

addHook(transpile, { exts: ['.ts'], ignoreNodeModules: true });

// The ESM-only modules the sources require (the CLI's kubeconfig client: src/kube/in-process.ts)
// are bundled once by esbuild into one CommonJS file in the cache, as `npm run build:cli`
// bundles them into the package's CLI: Node's require() of an ES module loads its
// hundreds of files one by one (some 0.6 s for @kubernetes/client-node, against 0.15 s
// bundled). Keyed by the module's resolved path, its package's version and esbuild's.
const ESM_BUNDLED = new Set(['@kubernetes/client-node/dist/config.js']);
const Module = require('node:module');
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function resolveBundled(request, ...rest) {
  const resolved = resolveFilename.call(this, request, ...rest);
  return ESM_BUNDLED.has(request) ? bundled(request, resolved) : resolved;
};

function bundled(request, resolved) {
  const pkg = require.resolve(`${request.split('/').slice(0, request.startsWith('@') ? 2 : 1).join('/')}/package.json`);
  const key = createHash('sha256').update(cacheSalt).update(resolved).update(fs.readFileSync(pkg)).digest('hex');
  const cached = path.join(cacheDir, `${key}.js`);
  if (!fs.existsSync(cached)) {
    try {
      fs.mkdirSync(cacheDir, { recursive: true });
      const partial = `${cached}.${process.pid}.tmp`;
      require('esbuild').buildSync({ entryPoints: [resolved], bundle: true, platform: 'node', format: 'cjs', target: transformOptions.target, outfile: partial, logLevel: 'silent' });
      fs.renameSync(partial, cached);
    } catch {
      // a read-only checkout loads the module as Node does
      return resolved;
    }
  }
  return cached;
}
