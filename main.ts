// The cdk8s app: `npx cdk8s synth` runs this (see cdk8s.yaml) and it writes
// dist/hello-node.k8s.yaml, configured by environment variables (see README).
import { ValidationError } from './lib';
import { fromEnv, loadSettings } from './src/settings';
import { addHelloNodeChart, DEFAULT_OUTDIR, synthAtomically } from './src/synth';

try {
  // Settings are read inside the synth, so that a bad one, like any other failure,
  // puts back the last complete output that `cdk8s synth` deleted before starting us.
  synthAtomically(process.env.CDK8S_OUTDIR ?? DEFAULT_OUTDIR, (app) => addHelloNodeChart(app, loadSettings(fromEnv(process.env))));
} catch (err) {
  // A bad setting is the user's to fix and needs no stack trace; anything else is a bug.
  console.error(`hello-node synth failed: ${err instanceof ValidationError ? err.message : (err as Error).stack}`);
  process.exitCode = 1;
}
