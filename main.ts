// The cdk8s app: `npx cdk8s synth` runs this (see cdk8s.yaml) and it writes
// dist/hello-node.k8s.yaml, configured by environment variables (see README).
import { ValidationError } from './lib';
import { fromEnv, loadSettings } from './src/settings';
import { DEFAULT_OUTDIR, synthHelloNode } from './src/synth';

try {
  synthHelloNode(loadSettings(fromEnv(process.env)), process.env.CDK8S_OUTDIR ?? DEFAULT_OUTDIR);
} catch (err) {
  // A bad setting is the user's to fix and needs no stack trace; anything else is a bug.
  console.error(`hello-node synth failed: ${err instanceof ValidationError ? err.message : (err as Error).stack}`);
  process.exitCode = 1;
}
