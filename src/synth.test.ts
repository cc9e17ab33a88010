import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApiObject, App, Chart, YamlOutputType } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { LockedError } from './lock';
import { DuplicateObjectError } from '../lib';
import { fromEnv, loadSettings } from './settings';
import { addHelloNodeChart, InterruptedError, OutputDirectoryError, synthesize } from './synth';

const ROOT = path.join(__dirname, '..');
let project: string;
let outdir: string;
beforeEach(() => {
  project = fs.mkdtempSync(path.join(os.tmpdir(), 'hello-node-synth-'));
  outdir = path.join(project, 'dist');
});
afterEach(() => fs.rmSync(project, { recursive: true, force: true }));

const listing = (dir: string) => fs.readdirSync(dir).sort();
const read = (file: string) => fs.readFileSync(file, 'utf8');
const docsOf = (file: string) => parseAllDocuments(read(file)).map((d) => d.toJS());
const configMap = (chart: Chart, id: string, data: Record<string, string> = {}) =>
  new ApiObject(chart, id, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: id }, data });
/** Synthesizes a chart `chartId` holding one ConfigMap into `dir`. */
const synthChart = (chartId: string, dir = outdir, appProps = {}) =>
  synthesize(new App({ outdir: dir, ...appProps }), (app) => configMap(new Chart(app, chartId), 'c'), { projectRoot: project });
const failingSynth = (dir = outdir) =>
  synthesize(new App({ outdir: dir }), () => {
    throw new Error('bad props');
  }, { projectRoot: project });

const STATE = '.dist.synth';
/** Every entry under `dir` whose name says a synth left it (staging directories, partial copies, locks). */
const debris = (dir: string): string[] => fs.readdirSync(dir, { recursive: true, encoding: 'utf8' })
  .filter((entry) => /staging-|(^|\/)lock(\.|$)/.test(entry));

describe('synthesize', () => {
  test('writes the hello-node chart to dist/hello-node.k8s.yaml, readable by other users', async () => {
    const files = await synthesize(new App({ outdir }), (app) => addHelloNodeChart(app, loadSettings(fromEnv({}))), { projectRoot: project });
    expect(files).toEqual([path.join(outdir, 'hello-node.k8s.yaml')]);
    expect(docsOf(files[0]).map((d) => `${d.kind}/${d.metadata.name}`)).toEqual(['ReplicationController/hello-node-rc', 'Service/hello-node-svc']);
    expect(fs.statSync(outdir).mode & 0o777).toBe(0o755);
    expect(listing(project)).toEqual([STATE, 'dist']);
  });

  test('replaces the previous output as a whole, so stale manifests disappear', async () => {
    await synthChart('one');
    await synthChart('two');
    expect(listing(outdir)).toEqual(['two.k8s.yaml']);
    expect(debris(project)).toEqual([]);
  });

  test('writes every yamlOutputType\'s layout, and construct-metadata.json when asked', async () => {
    const files = await synthChart('one', outdir, { yamlOutputType: YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE, recordConstructMetadata: true });
    expect(files.map((f) => path.relative(outdir, f))).toEqual(['construct-metadata.json', path.join('one', 'ConfigMap.c.k8s.yaml')]);
    expect(JSON.parse(read(path.join(outdir, 'construct-metadata.json'))).resources.c.path).toBe('one/c');
  });

  test('keeps its state beside the output in a git-ignored directory, a copy that edits to the output do not change', async () => {
    await synthChart('one');
    const state = path.join(project, STATE);
    expect(read(path.join(state, '.gitignore'))).toBe('*\n');
    const [kept] = fs.readdirSync(state, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('one.k8s.yaml'));
    const before = read(path.join(state, kept));
    fs.appendFileSync(path.join(outdir, 'one.k8s.yaml'), '# edited by hand\n');
    expect(read(path.join(state, kept))).toBe(before);
  });

  describe('on failure leaves the previous output as it was, and no debris', () => {
    test('when building the app throws', async () => {
      await synthChart('previous');
      const before = read(path.join(outdir, 'previous.k8s.yaml'));
      await expect(failingSynth()).rejects.toThrow('bad props');
      expect(listing(outdir)).toEqual(['previous.k8s.yaml']);
      expect(read(path.join(outdir, 'previous.k8s.yaml'))).toBe(before);
      expect(debris(project)).toEqual([]);
    });

    test('when cdk8s\'s validation fails', async () => {
      await synthChart('previous');
      const failed = synthesize(new App({ outdir }), (app) => {
        new Chart(app, 'c').node.addValidation({ validate: () => ['invalid chart'] });
      }, { projectRoot: project });
      await expect(failed).rejects.toThrow('Validation failed with the following errors:\n  [c] invalid chart');
      expect(listing(outdir)).toEqual(['previous.k8s.yaml']);
    });

    test('when two objects of any construct would be one object in the cluster', async () => {
      await synthChart('previous');
      const failed = synthesize(new App({ outdir }), (app) => {
        configMap(new Chart(app, 'one'), 'c');
        configMap(new Chart(app, 'two'), 'c');
      }, { projectRoot: project });
      await expect(failed).rejects.toThrow(new DuplicateObjectError('ConfigMap "c" with no namespace', 'one/c', 'two/c'));
      expect(listing(outdir)).toEqual(['previous.k8s.yaml']);
    });

    test('when the output directory was deleted first (as `cdk8s synth` does), a copy of the last output is put back', async () => {
      await synthChart('good');
      const complete = read(path.join(outdir, 'good.k8s.yaml'));
      fs.rmSync(outdir, { recursive: true });
      await expect(failingSynth()).rejects.toThrow('bad props');
      expect(listing(outdir)).toEqual(['good.k8s.yaml']);
      expect(read(path.join(outdir, 'good.k8s.yaml'))).toBe(complete);
      expect(debris(project)).toEqual([]);
    });

    test('when there was no previous output, none is created', async () => {
      await expect(failingSynth()).rejects.toThrow('bad props');
      expect(fs.existsSync(outdir)).toBe(false);
    });

  });

  describe('refuses, with a one-line error and touching nothing,', () => {
    const refusal = async (dir: string) => {
      const err = await synthChart('c', dir).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(OutputDirectoryError);
      expect((err as Error).message).not.toContain('\n');
      return (err as Error).message;
    };

    test('the project root and its parents as output directory', async () => {
      fs.writeFileSync(path.join(project, 'main.ts'), 'keep me');
      expect(await refusal(project)).toBe(`output directory ${project} is the project root: a synth replaces its output directory as a whole`);
      expect(await refusal(path.dirname(project))).toContain('is a parent of the project root');
      expect(read(path.join(project, 'main.ts'))).toBe('keep me');
    });

    test('an output directory holding a file that no synth wrote', async () => {
      await synthChart('one');
      fs.writeFileSync(path.join(outdir, 'notes.txt'), 'mine');
      expect(await refusal(outdir)).toBe(`output directory ${outdir} holds files that no synth wrote (notes.txt), which replacing it would delete: move them away, or choose another output directory`);
      expect(listing(outdir)).toEqual(['notes.txt', 'one.k8s.yaml']);
    });

    test('a directory it never wrote that holds anything but cdk8s manifests', async () => {
      const other = path.join(project, 'other');
      fs.mkdirSync(other);
      fs.writeFileSync(path.join(other, 'old.k8s.yaml'), 'kind: ConfigMap\n');
      fs.writeFileSync(path.join(other, 'kustomization.yaml'), 'resources: []\n');
      expect(await refusal(other)).toContain('(kustomization.yaml)');
      fs.rmSync(path.join(other, 'kustomization.yaml'));
      await synthChart('c', other);
      expect(listing(other)).toEqual(['c.k8s.yaml']);
    });

    test('an output path that is a file', async () => {
      fs.writeFileSync(outdir, 'a file');
      expect(await refusal(outdir)).toContain('exists and is not a directory');
    });
  });

  test('sweeps what a killed synth left: staging directories, its lock and the lock\'s temporary file', async () => {
    await synthChart('one');
    fs.mkdirSync(path.join(project, STATE, 'staging-AbCdEf'));
    fs.mkdirSync(path.join(project, STATE, 'staging-AbCdEf.old'));
    // a pid that cannot be running: above Linux's pid_max
    fs.writeFileSync(path.join(project, STATE, 'lock'), String(2 ** 22 + 1));
    fs.writeFileSync(path.join(project, STATE, `lock.${2 ** 22 + 2}`), String(2 ** 22 + 2));
    await synthChart('two');
    expect(listing(outdir)).toEqual(['two.k8s.yaml']);
    expect(debris(project)).toEqual([]);
  });

  test('fails at once while another live process holds the output\'s lock', async () => {
    await synthChart('one');
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      fs.writeFileSync(path.join(project, STATE, 'lock'), String(sleeper.pid));
      const err = await synthChart('two').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LockedError);
      expect((err as Error).message).toBe(`another synth into ${outdir} is running (pid ${sleeper.pid}): wait for it to finish, or stop it`);
      expect(listing(outdir)).toEqual(['one.k8s.yaml']);
    } finally {
      sleeper.kill();
    }
  });

  test('a Helm chart (cdk8s synth --format helm): templates/ replaced, the kept copy outside the chart, the whole chart restored on failure', async () => {
    const chart = path.join(project, 'dist');
    const writeSkeleton = (version: string) => {
      fs.rmSync(chart, { recursive: true, force: true });
      fs.mkdirSync(chart);
      fs.writeFileSync(path.join(chart, 'Chart.yaml'), `version: ${version}\n`);
      fs.writeFileSync(path.join(chart, 'README.md'), 'generated\n');
    };
    writeSkeleton('1.0.0');
    await synthChart('web', path.join(chart, 'templates'));
    expect(fs.readdirSync(chart, { recursive: true }).sort()).toEqual(['Chart.yaml', 'README.md', 'templates', path.join('templates', 'web.k8s.yaml')]);
    writeSkeleton('2.0.0');
    await expect(failingSynth(path.join(chart, 'templates'))).rejects.toThrow('bad props');
    expect(read(path.join(chart, 'Chart.yaml'))).toBe('version: 1.0.0\n');
    expect(fs.readdirSync(chart, { recursive: true }).sort()).toEqual(['Chart.yaml', 'README.md', 'templates', path.join('templates', 'web.k8s.yaml')]);
    expect(debris(project)).toEqual([]);
  });
});

describe('a real full disk', () => {
  let disk: string;
  let mounted = false;
  beforeAll(() => {
    disk = fs.mkdtempSync(path.join(os.tmpdir(), 'hello-node-full-'));
    mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', disk], { stdio: 'ignore' }).status === 0;
  });
  afterAll(() => {
    if (mounted) {
      spawnSync('umount', [disk]);
    }
    fs.rmSync(disk, { recursive: true, force: true });
  });
  /** A chart with one ConfigMap of about `kib` KiB. */
  const bigSynth = (kib: number) => synthesize(new App({ outdir: path.join(disk, 'dist') }), (app) => {
    configMap(new Chart(app, 'big'), 'c', { blob: 'x'.repeat(kib * 1024) });
  }, { projectRoot: disk });

  test.each([
    ['mid-file, writing the manifest', 1500],
    ['writing the kept copy, after the manifest', 600],
  ])('fails the synth %s, and leaves the previous output and no debris', async (_when, kib) => {
    if (!mounted) {
      console.warn('skipped: cannot mount a tmpfs here');
      return;
    }
    await bigSynth(1);
    const before = read(path.join(disk, 'dist', 'big.k8s.yaml'));
    await expect(bigSynth(kib)).rejects.toThrow('ENOSPC');
    expect(listing(path.join(disk, 'dist'))).toEqual(['big.k8s.yaml']);
    expect(read(path.join(disk, 'dist', 'big.k8s.yaml'))).toBe(before);
    expect(debris(disk)).toEqual([]);
  });
});

describe('real processes', () => {
  // big enough that a synth takes a few hundred milliseconds, for signals to land in each step
  const COUNT = 3000;
  jest.setTimeout(30_000);
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
  });

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
  });

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
  });

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
  });
});

test('InterruptedError exits as a shell reports a signal: 128 + n', () => {
  expect(new InterruptedError('SIGINT').exitCode).toBe(130);
  expect(new InterruptedError('SIGTERM').exitCode).toBe(143);
});
