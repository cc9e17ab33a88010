// A Node.js module-loader hook for the fast suite (see test/run-typescript.mjs):
// jest-light-runner loads each test file with import(), and Node's ESM loader does
// not know .ts. Answering "commonjs" with no source hands the file to the CommonJS
// loader, where scripts/ts-hook.js transpiles it (and everything it requires) with
// the same cached esbuild transform that runs main.ts for `cdk8s synth`.
export async function load(url, context, nextLoad) {
  if (url.startsWith('file:') && new URL(url).pathname.endsWith('.ts')) {
    return { format: 'commonjs', shortCircuit: true };
  }
  return nextLoad(url, context);
}
