// What the synth tests share: a scratch project per test, and ways to look at what a
// synth left behind.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApiObject, Chart } from 'cdk8s';
import { parseAllDocuments } from 'yaml';

/** The synth's state directory beside the default output. */
export const STATE = '.dist.synth';

/** A fresh project directory (and its dist/ path) for each test, removed after it. */
export function useScratchProject(): () => { project: string; outdir: string } {
  let project = '';
  beforeEach(() => {
    project = fs.mkdtempSync(path.join(os.tmpdir(), 'hello-node-synth-'));
  });
  afterEach(() => fs.rmSync(project, { recursive: true, force: true }));
  return () => ({ project, outdir: path.join(project, 'dist') });
}

export const listing = (dir: string): string[] => fs.readdirSync(dir).sort();
export const read = (file: string): string => fs.readFileSync(file, 'utf8');
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed manifests, read field by field in the tests
export const docsOf = (file: string): any[] => parseAllDocuments(read(file)).map((d) => d.toJS());
export const configMap = (chart: Chart, id: string, data: Record<string, string> = {}): ApiObject =>
  new ApiObject(chart, id, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: id }, data });
/** Every entry under `dir` whose name says a synth left it (staging directories, partial copies, locks). */
export const debris = (dir: string): string[] => fs.readdirSync(dir, { recursive: true, encoding: 'utf8' })
  .filter((entry) => /staging-|(^|\/)lock(\.|$)/.test(entry));
