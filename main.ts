// The cdk8s app: `npx cdk8s synth` runs this (see cdk8s.yaml) and it writes
// dist/hello-node.k8s.yaml, configured by environment variables (see docs/user-guide.md, "Configuration").
//
// Edit it as any cdk8s app: add charts in the build function, or give the App its
// props (`new App({ yamlOutputType: YamlOutputType.FILE_PER_RESOURCE })`). The
// manifests are written by cdk8s's own app.synth(), through runSynth, which makes
// the write atomic and puts the last good output back if a synth fails.
import { App } from 'cdk8s';
import { fromEnv, loadAppSettings } from './lib/settings';
import { addHelloNodeChart, runSynth } from './lib/synth';

// Settings are read inside the synth, so that a bad one, like any other failure,
// puts back the last complete output that `cdk8s synth` deleted before starting us.
// cdk8s runs the app from the project root (where cdk8s.yaml is), as does hello-node.
void runSynth(new App(), (app) => {
  addHelloNodeChart(app, loadAppSettings(fromEnv(process.env)));
}, { projectRoot: process.cwd(), typecheck: __filename });
