/**
 * The synth's type-check: `tsc` over the app's entry file (main.ts) and everything it
 * imports, with the project's tsconfig.json, run beside the app while it builds and
 * writes (scripts/ts-hook.js runs TypeScript without checking types, for speed). The
 * synth replaces its output only once the check has passed, so a typo in a prop
 * (`replcias: 5`) fails the synth, as the stock cdk8s template's ts-node does, and
 * leaves the output as it was.
 *
 * The check is incremental: its build info is kept under node_modules/.cache, keyed by
 * the entry file. And after a check that passed, the content hashes of the project's
 * files in the program (everything outside node_modules), of tsconfig.json and of
 * package-lock.json are kept beside it: while they are unchanged, as in synths that
 * differ only in settings, no tsc runs at all.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The app's code does not type-check: the synth fails with tsc's first diagnostic. */
export class TypeCheckError extends Error {
  constructor(readonly diagnostics: readonly string[]) {
    super(`${diagnostics[0]}${diagnostics.length > 1 ? ` (and ${diagnostics.length - 1} more: npm run typecheck lists them)` : ''}`);
    this.name = 'TypeCheckError';
  }
}

export interface Typecheck {
  /** Resolves when tsc has finished; rejects with TypeCheckError when it found errors. */
  readonly done: Promise<void>;
  /** Stops tsc, when the synth stops first. */
  cancel(): void;
}

/**
 * Starts tsc on `entry`, in a process of its own, with the tsconfig.json and the
 * typescript of the project the entry file is in (its directory). Where either is
 * missing (an app outside this project's layout), nothing is checked.
 */
export function startTypecheck(entry: string): Typecheck {
  const projectRoot = path.dirname(path.resolve(entry));
  const tsconfig = path.join(projectRoot, 'tsconfig.json');
  let tsc: string;
  try {
    tsc = require.resolve('typescript/bin/tsc', { paths: [projectRoot] });
  } catch {
    return { done: Promise.resolve(), cancel: () => undefined };
  }
  if (!fs.existsSync(tsconfig)) {
    return { done: Promise.resolve(), cancel: () => undefined };
  }
  const cache = path.join(projectRoot, 'node_modules', '.cache', 'synth-typecheck');
  const key = createHash('sha256').update(path.resolve(entry)).digest('hex').slice(0, 16);
  fs.mkdirSync(cache, { recursive: true });
  // tsc takes a project's files from a tsconfig only: one that extends the project's, for this entry alone
  const config = path.join(cache, `${key}.tsconfig.json`);
  fs.writeFileSync(config, JSON.stringify({
    extends: tsconfig,
    compilerOptions: { noEmit: true, incremental: true, tsBuildInfoFile: path.join(cache, `${key}.tsbuildinfo`), types: ['node'] },
    include: [],
    files: [path.resolve(entry)],
  }));
  const passed = path.join(cache, `${key}.passed.json`);
  const fingerprint = (files: readonly string[]) => Object.fromEntries(files.map((file) => [file, hashOf(file)]));
  const alwaysHashed = [tsconfig, path.join(projectRoot, 'package-lock.json'), path.resolve(entry)];
  if (unchanged(passed, fingerprint)) {
    return { done: Promise.resolve(), cancel: () => undefined };
  }
  let child: ChildProcess | undefined;
  const done = new Promise<void>((resolve, reject) => {
    child = spawn(process.execPath, [tsc, '--project', config, '--pretty', 'false'], { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      // each diagnostic starts a line with its file and position; its message's continuation lines are indented
      const diagnostics = out.split('\n').filter((line) => /error TS\d+:/.test(line)).map((line) => line.trim());
      if (code === 0) {
        recordPassed(passed, path.join(cache, `${key}.tsbuildinfo`), path.join(projectRoot, 'node_modules'), alwaysHashed, fingerprint);
        resolve();
      } else {
        reject(new TypeCheckError(diagnostics.length > 0 ? diagnostics : [`tsc ${signal ? `was stopped by ${signal}` : `exited with code ${code}`}: ${out.trim()}`]));
      }
    });
  });
  // a synth that fails for another reason first must not also report an unhandled rejection
  done.catch(() => undefined);
  return { done, cancel: () => child?.kill() };
}

/** sha256 of a file's content, or '' when it cannot be read (gone: changed, then). */
function hashOf(file: string): string {
  try {
    return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  } catch {
    return '';
  }
}

/** Whether every file recorded after the last passed check still has the content it had then. */
function unchanged(passed: string, fingerprint: (files: readonly string[]) => Record<string, string>): boolean {
  let recorded: Record<string, string>;
  try {
    recorded = JSON.parse(fs.readFileSync(passed, 'utf8')) as Record<string, string>;
  } catch {
    return false;
  }
  const now = fingerprint(Object.keys(recorded));
  return Object.keys(recorded).length > 0 && Object.entries(recorded).every(([file, hash]) => hash !== '' && now[file] === hash);
}

/**
 * Records the hashes of the program's own files (tsc's build info lists them, relative
 * to itself), and of `alwaysHashed`. Best effort: without a record, the next synth runs
 * tsc again.
 */
function recordPassed(passed: string, buildInfo: string, nodeModules: string, alwaysHashed: readonly string[], fingerprint: (files: readonly string[]) => Record<string, string>): void {
  try {
    const { fileNames } = JSON.parse(fs.readFileSync(buildInfo, 'utf8')) as { fileNames: string[] };
    const own = fileNames.map((f) => path.resolve(path.dirname(buildInfo), f)).filter((f) => !f.startsWith(nodeModules + path.sep));
    // write-then-rename: a synth that runs meanwhile reads the old record or the new one, never half
    const partial = `${passed}.${process.pid}.tmp`;
    fs.writeFileSync(partial, JSON.stringify(fingerprint([...new Set([...alwaysHashed, ...own])])));
    fs.renameSync(partial, passed);
  } catch {
    fs.rmSync(passed, { force: true });
  }
}
