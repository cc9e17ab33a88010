// jest-light-runner's setupFiles entry: run the TypeScript tests and sources without
// a jest transform (the runner has none), and point stack traces at .ts lines.
import { createRequire, register } from 'node:module';

createRequire(import.meta.url)('../scripts/ts-hook.js');
register('./typescript-loader.mjs', import.meta.url);
process.setSourceMapsEnabled(true);
