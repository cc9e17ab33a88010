import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Chart, YamlOutputType } from 'cdk8s';
import { LockedError } from './lock';
import { DuplicateObjectError, HelloNodeApp, HelloNodeSettings } from './index';
import { OutputDirectoryError } from './output-dir';
import { InterruptedError } from './signals';
import { synthesize } from './synth';
import { configMap, debris, docsOf, listing, read, STATE, useScratchProject } from '../test/synth-helpers';

const scratch = useScratchProject();
let project: string;
let outdir: string;
beforeEach(() => ({ project, outdir } = scratch()));

/** Synthesizes a chart `chartId` holding one ConfigMap into `dir`. */
const synthChart = (chartId: string, dir = outdir, appProps = {}) =>
  synthesize(new App({ outdir: dir, ...appProps }), (app) => configMap(new Chart(app, chartId), 'c'), { projectRoot: project });
const failingSynth = (dir = outdir) =>
  synthesize(new App({ outdir: dir }), () => {
    throw new Error('bad props');
  }, { projectRoot: project });

describe('synthesize', () => {
  test('writes the hello-node chart to dist/hello-node.k8s.yaml, readable by other users', async () => {
    const files = await synthesize(new App({ outdir }), (app) => new HelloNodeApp(new Chart(app, 'hello-node'), 'app', HelloNodeSettings.fromEnvironment({})), { projectRoot: project });
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
    // this test's parent process (jest's) is alive for as long as the test runs
    const holder = process.ppid;
    fs.writeFileSync(path.join(project, STATE, 'lock'), String(holder));
    const err = await synthChart('two').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockedError);
    expect((err as Error).message).toBe(`another synth into ${outdir} is running (pid ${holder}): wait for it to finish, or stop it`);
    expect(listing(outdir)).toEqual(['one.k8s.yaml']);
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

  test('a Helm chart whose crds/ links to a file elsewhere: restored from the kept copy, it links to that same file', async () => {
    const chart = path.join(project, 'dist');
    fs.mkdirSync(path.join(chart, 'crds'), { recursive: true });
    fs.writeFileSync(path.join(chart, 'Chart.yaml'), 'version: 1.0.0\n');
    fs.writeFileSync(path.join(project, 'crd.yaml'), 'kind: CustomResourceDefinition\n');
    fs.symlinkSync(path.join('..', '..', 'crd.yaml'), path.join(chart, 'crds', 'crd.yaml'));
    await synthChart('web', path.join(chart, 'templates'));
    fs.rmSync(path.join(chart, 'templates'), { recursive: true });
    await expect(failingSynth(path.join(chart, 'templates'))).rejects.toThrow('bad props');
    expect(fs.lstatSync(path.join(chart, 'crds', 'crd.yaml')).isSymbolicLink()).toBe(true);
    expect(read(path.join(chart, 'crds', 'crd.yaml'))).toBe('kind: CustomResourceDefinition\n');
    expect(listing(path.join(chart, 'templates'))).toEqual(['web.k8s.yaml']);
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

test('InterruptedError exits as a shell reports a signal: 128 + n', () => {
  expect(new InterruptedError('SIGINT', 'interrupted').exitCode).toBe(130);
  expect(new InterruptedError('SIGTERM', 'interrupted').exitCode).toBe(143);
});
