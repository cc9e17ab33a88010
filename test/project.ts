// This cdk8s project for tests that run the app or the cdk8s CLI: its app command with
// absolute paths (for a scratch project elsewhere), or a whole copy in a temp
// directory, so that the output and the synth's state stay out of the repository.
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

/** What a clone of this repository holds that a synth reads (app/ and the docs are not needed). */
const PROJECT_FILES = ['main.ts', 'cdk8s.yaml', 'package.json', 'package-lock.json', 'tsconfig.json', 'bin', 'lib', 'src', 'imports', 'scripts'];

/**
 * A copy of this project in a temp directory, as a user's clone is, with this
 * project's node_modules linked in: for running `npm run synth` and `hello-node` on a
 * main.ts a test may edit.
 */
export function projectCopy(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hello-node-project-'));
  for (const entry of PROJECT_FILES) {
    fs.cpSync(path.join(ROOT, entry), path.join(dir, entry), { recursive: true, filter: (source) => !/\.test\.ts$|__snapshots__/.test(source) });
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}
