// A scratch copy of this cdk8s project, for tests that run the app or the cdk8s CLI:
// cdk8s.yaml with its paths made absolute, in a temp directory, so that the output
// and the synth's state stay out of the repository.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';

export const ROOT = path.join(__dirname, '..');
const config = parse(fs.readFileSync(path.join(ROOT, 'cdk8s.yaml'), 'utf8'));
/** cdk8s.yaml's app command, with its script paths absolute. */
export const APP_COMMAND: string = config.app.replace(/\S+\.[jt]s\b/g, (file: string) => path.resolve(ROOT, file));

/** Makes a scratch project directory; `extra` is merged into its cdk8s.yaml. */
export function scratchProject(extra: Record<string, unknown> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hello-node-project-'));
  fs.writeFileSync(path.join(dir, 'cdk8s.yaml'), stringify({ ...config, app: APP_COMMAND, ...extra }));
  return dir;
}
