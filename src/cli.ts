// The CLI's entry module, which bin/hello-node.js loads: from a clone, this TypeScript
// through scripts/ts-hook.js; from the package, build/cli/hello-node.js, this module
// bundled by esbuild with the CLI's dependencies (npm run build).
export { main } from './commands/program';
export { signalExitCode } from '../lib/signals';
