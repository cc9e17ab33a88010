// The CLI's entry module, which bin/hello-node.js loads bundled by esbuild with the CLI's
// dependencies: from the package, build/cli/hello-node.js (npm run build); from a clone,
// the bundle scripts/cli-bundle.js makes of the sources (else this TypeScript through
// scripts/ts-hook.js).
export { main } from './commands/program';
export { signalExitCode } from '../lib/signals';
