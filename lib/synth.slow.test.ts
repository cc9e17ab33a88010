// The synth as real processes (test/synth-child.ts): signals at each step, SIGKILL,
// concurrent synths and a disk that fills up mid-file. The in-process cases are in
// synth.test.ts.
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { debris, docsOf, useScratchProject } from '../test/synth-helpers';

const ROOT = path.join(__dirname, '..');
const scratch = useScratchProject();
let project: string;
let outdir: string;
beforeEach(() => ({ project, outdir } = scratch()));

describe('real processes', () => {
  // big enough that a synth takes a few hundred milliseconds, for signals to land in each step
  const COUNT = 3000;
  const TIMEOUT_MS = 30_000;
  const child = (marker: string, preload: string[] = []): ChildProcess =>
    spawn(process.execPath, [...preload, '-r', path.join(ROOT, 'scripts', 'ts-hook.js'), path.join(ROOT, 'test', 'synth-child.ts'), String(COUNT), marker], {
      cwd: project,
      env: { PATH: process.env.PATH, CDK8S_OUTDIR: outdir },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  const finished = (proc: ChildProcess) => new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
    let stderr = '';
    proc.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    proc.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
  /** The marker that every object of the output carries; fails unless the output is complete and of one synth. */
  const outputMarker = () => {
    const docs = docsOf(path.join(outdir, 'many.k8s.yaml'));
    expect(docs).toHaveLength(COUNT);
    const markers = new Set(docs.map((d) => d.data.marker));
    expect(markers.size).toBe(1);
    return [...markers][0];
  };

  test('a disk that fills up mid-file: exits 1 naming ENOSPC, the previous output and no debris left', async () => {
    expect((await finished(child('old'))).code).toBe(0);
    const result = await finished(child('new', ['-r', path.join(ROOT, 'test', 'enospc-preload.js')]));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^hello-node synth failed: Error: ENOSPC: no space left on device, write/);
    expect(outputMarker()).toBe('old');
    expect(debris(project)).toEqual([]);
  }, TIMEOUT_MS);

  // Each delay lands in a different step: loading, building, writing, keeping, replacing.
  const DELAYS = [0, 150, 250, 350];

  test.each([['SIGINT', 130], ['SIGTERM', 143]] as const)('%s at any moment: exits %i after cleaning up, the output old or new and complete, no debris', async (signal, code) => {
    expect((await finished(child('old'))).code).toBe(0);
    for (const [index, delay] of DELAYS.entries()) {
      const before = outputMarker();
      const proc = child(`new-${index}`);
      setTimeout(() => proc.kill(signal), delay);
      const result = await finished(proc);
      if (result.code === code) {
        expect(result.stderr).toBe(`hello-node synth failed: interrupted by ${signal}; the output directory holds the last complete output\n`);
      } else if (result.code !== 0) {
        // killed by the signal's default action before the synth began: nothing was written
        expect(result.signal).toBe(signal);
      }
      expect([before, `new-${index}`]).toContain(outputMarker());
      expect(debris(project)).toEqual([]);
    }
  }, TIMEOUT_MS);

  test('SIGKILL at any moment: the output old or new and complete (or absent, restored by the next synth), which sweeps the debris', async () => {
    expect((await finished(child('old'))).code).toBe(0);
    for (const [index, delay] of DELAYS.entries()) {
      const before = outputMarker();
      const proc = child(`new-${index}`);
      setTimeout(() => proc.kill('SIGKILL'), delay);
      await finished(proc);
      if (fs.existsSync(outdir)) {
        expect([before, `new-${index}`]).toContain(outputMarker());
      }
      expect((await finished(child(`next-${index}`))).code).toBe(0);
      expect(outputMarker()).toBe(`next-${index}`);
      expect(debris(project)).toEqual([]);
    }
  }, TIMEOUT_MS);

  test('concurrent synths into one directory: each succeeds or says another is running; one complete output, no debris', async () => {
    const results = await Promise.all(['a', 'b', 'c', 'd'].map((marker) => finished(child(marker))));
    for (const { code, stderr } of results) {
      if (code !== 0) {
        expect(code).toBe(1);
        expect(stderr).toMatch(/^hello-node synth failed: another synth into .* is running \(pid \d+\): wait for it to finish, or stop it\n$/);
      }
    }
    expect(results.some((r) => r.code === 0)).toBe(true);
    expect(['a', 'b', 'c', 'd']).toContain(outputMarker());
    expect(debris(project)).toEqual([]);
  }, TIMEOUT_MS);
});

