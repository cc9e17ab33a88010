// A synth of <count> ConfigMaps, each carrying <marker>, into CDK8S_OUTDIR, with the
// project root the working directory: for tests that interrupt or race real synths.
//   node -r ./scripts/ts-hook.js test/synth-child.ts <count> <marker>
import { ApiObject, App, Chart } from 'cdk8s';
import { synthApp } from '../lib/synth';

const [count, marker] = process.argv.slice(2);
void synthApp(new App(), (app) => {
  const chart = new Chart(app, 'many');
  for (let i = 0; i < Number(count); i++) {
    new ApiObject(chart, `o${i}`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `o${i}` }, data: { marker } });
  }
});
