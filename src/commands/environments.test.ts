// The CLI's environments (hello-node.yaml, --env, config, promote's arguments)
// in-process, against stand-in tools (test/cli-harness.ts), for what needs no cluster:
// which commands refuse, what they are given, what config prints. Deploying two
// environments and promoting between them runs against the real control plane in
// environments.cluster.slow.test.ts.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../../test/cli-harness';

const TWO_ENVIRONMENTS = [
  'project: shop-prod-123',
  'environments:',
  '  staging:',
  '    context: staging-ctx',
  '    namespace: staging',
  '  production:',
  '    context: production-ctx',
  '    namespace: production',
  '    replicas: 5',
  '',
].join('\n');

/** A project directory with `hello-node.yaml`. */
function projectWith(settings: string): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hello-node-environments-'));
  fs.writeFileSync(path.join(root, 'hello-node.yaml'), settings);
  return root;
}
const roots: string[] = [];
const project = (settings = TWO_ENVIRONMENTS) => {
  const root = projectWith(settings);
  roots.push(root);
  return root;
};
afterAll(() => roots.forEach((root) => fs.rmSync(root, { recursive: true, force: true })));

const REFUSED = 'hello-node: hello-node.yaml defines the environments staging, production: name the one to act on with --env <name> (or HELLO_NODE_ENV); only synth and config go without one, reading the file\'s top level\n';

describe('a project whose hello-node.yaml defines environments', () => {
  test.each([
    [['status']], [['history']], [['image', 'push']], [['cluster', 'credentials']], [['--dry-run', 'teardown']], [['ip', 'create', '--static-ip', 'web-ip']],
  ])('%j without an environment is refused before any tool runs, naming them', async (args) => {
    const run = await runCli(args, { projectRoot: project() });
    expect(run.code).toBe(1);
    expect(run.calls).toEqual([]);
    expect(run.stderr).toBe(REFUSED);
  });

  test('every kubectl command of an environment is given its context, and the first line names the environment', async () => {
    const run = await runCli(['--dry-run', 'history'], { projectRoot: project(), env: { HELLO_NODE_ENV: 'staging' } });
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')[0]).toBe('# environment staging (environment variable HELLO_NODE_ENV): namespace staging, kubectl context staging-ctx');
    const kubectlLines = run.stdout.split('\n').filter((line) => line.startsWith('kubectl '));
    expect(kubectlLines.length).toBeGreaterThan(0);
    expect(kubectlLines.filter((line) => !line.startsWith('kubectl --context=staging-ctx '))).toEqual([]);
  });

  test('--context, or HELLO_NODE_CONTEXT, wins over the environment\'s', async () => {
    const run = await runCli(['--env', 'production', '--dry-run', 'history', '--context', 'mine'], { projectRoot: project() });
    const kubectlLines = run.stdout.split('\n').filter((line) => line.startsWith('kubectl '));
    expect(kubectlLines.length).toBeGreaterThan(0);
    expect(kubectlLines.filter((line) => !line.startsWith('kubectl --context=mine '))).toEqual([]);
  });

  test('a context the kubeconfig lacks is one line naming it and the setting', async () => {
    const kubectl = () => ({ exitCode: 1, stdout: '', stderr: 'error: context was not found for specified context: staging-ctx\n' });
    const run = await runCli(['--env', 'staging', 'history'], { projectRoot: project(), tools: { kubectl } });
    expect(run.code).toBe(1);
    expect(run.stderr.split('\n').at(-2)).toBe('hello-node: kubectl\'s configuration has no context "staging-ctx": check HELLO_NODE_CONTEXT (--context, or "context" in hello-node.yaml) against `kubectl config get-contexts`; `hello-node --env staging cluster credentials` adds a GKE cluster\'s context');
  });

  test('the commands its hints show act where it did: with --env, and kubectl with --context', async () => {
    const status = await runCli(['--env', 'staging', 'status'], { projectRoot: project() });
    expect(status.stdout).toContain('`hello-node --env staging deploy` creates it');
    const refusesGet = () => ({ exitCode: 1, stdout: '', stderr: 'Error from server (NotFound): namespaces "staging" not found\n' });
    const missing = await runCli(['--env', 'staging', 'status'], { projectRoot: project(), tools: { kubectl: refusesGet } });
    expect(missing.stderr.split('\n').at(-2)).toBe('hello-node: namespace staging does not exist: create it (kubectl --context=staging-ctx create namespace staging), or name another one with HELLO_NODE_NAMESPACE or --namespace');
  });

  test('a context with a control character or spaces around it is refused in one line, before any tool runs', async () => {
    const run = await runCli(['--env', 'staging', 'status', '--context', 'prod\nctx'], { projectRoot: project() });
    expect(run.code).toBe(1);
    expect(run.calls).toEqual([]);
    expect(run.stderr).toBe('hello-node: flag --context: "prod\\nctx" is invalid: must be the name of a context of your kubeconfig, as `kubectl config get-contexts` lists it: no control characters, and no spaces around it\n');
  });

  test('config names the line that unsets a setting as its origin', async () => {
    const run = await runCli(['--env', 'production', 'config', '--json'], { projectRoot: project(`domain: shop.example.com\n${TWO_ENVIRONMENTS}    domain:\n`) });
    expect(JSON.parse(run.stdout).settings.domain).toEqual({ variable: 'HELLO_NODE_DOMAIN', flag: '--domain', value: null, origin: 'hello-node.yaml:11', unset: 'none' });
  });

  test('config without an environment shows the top level, and names the environments', async () => {
    const run = await runCli(['config'], { projectRoot: project() });
    expect(run.code).toBe(0);
    const [heading, ...rows] = run.stdout.trimEnd().split('\n');
    expect(heading).toBe('# hello-node.yaml\'s top level, no environment chosen; hello-node.yaml defines staging, production');
    expect(rows.map((row) => row.split(/ {2,}/))).toEqual(expect.arrayContaining([['project', 'hello-node.yaml:1', 'shop-prod-123'], ['namespace', 'default', '(none)']]));
  });

  test('config shows each setting of the environment with its origin: flag, variable, line of the file, or default', async () => {
    const run = await runCli(['--env', 'production', 'config', '--zone', 'us-central1-a'], { projectRoot: project(), env: { IMAGE_TAG: 'v7' } });
    expect(run.code).toBe(0);
    const [heading, ...rows] = run.stdout.trimEnd().split('\n');
    expect(heading).toBe('# environment production (flag --env); hello-node.yaml defines staging, production');
    expect(rows.map((row) => row.split(/ {2,}/))).toEqual(expect.arrayContaining([
      ['zone', 'flag', 'us-central1-a'],
      ['tag', 'variable IMAGE_TAG', 'v7'],
      ['replicas', 'hello-node.yaml:9', '5'],
      ['context', 'hello-node.yaml:7', 'production-ctx'],
      ['cluster', 'default', 'hello-node'],
      ['workload', 'default', '(the app\'s own, else ReplicationController)'],
    ]));
  });

  test('config --json gives each setting\'s value and origin by its key, and the environments', async () => {
    const run = await runCli(['--env', 'staging', 'config', '--json'], { projectRoot: project() });
    const config = JSON.parse(run.stdout);
    expect(config).toMatchObject({ environment: 'staging', environmentSource: 'flag --env', file: 'hello-node.yaml', environments: ['staging', 'production'] });
    expect(config.settings.namespace).toEqual({ variable: 'HELLO_NODE_NAMESPACE', flag: '--namespace', value: 'staging', origin: 'hello-node.yaml:5' });
    expect(config.settings.replicas).toEqual({ variable: 'HELLO_NODE_REPLICAS', flag: '--replicas', value: null, origin: 'default', unset: 'the app\'s own, else 3' });
  });

  test('config checks the settings as the commands do: a bad value is one line naming its line', async () => {
    const run = await runCli(['--env', 'production', 'config'], { projectRoot: project(`${TWO_ENVIRONMENTS}    min-replicas: -1\n`) });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('hello-node: hello-node.yaml:10 min-replicas: "-1" is invalid: must be an integer from 1 to 2147483647\n');
  });

  test('a bad file stops every command, synth and --dry-run included, before any tool runs', async () => {
    for (const args of [['synth'], ['--env', 'staging', '--dry-run', 'deploy'], ['config']]) {
      const run = await runCli(args, { projectRoot: project(`${TWO_ENVIRONMENTS}    replica: 2\n`) });
      expect(run.code).toBe(1);
      expect(run.calls).toEqual([]);
      // the synth says it as each of its failures
      expect(run.stderr).toBe(`hello-node${args[0] === 'synth' ? ' synth failed' : ''}: hello-node.yaml:10: unknown setting "replica" (did you mean "replicas"?)\n`);
    }
  });
});

describe('promote', () => {
  const FIRST = 'environment production (flag --env): namespace production, kubectl context production-ctx\n';
  test.each([
    ['without --env, the refusal of every cluster command', ['promote', '--from', 'staging'], REFUSED],
    ['from the environment it deploys to', ['--env', 'production', 'promote', '--from', 'production'], `${FIRST}hello-node: flag --from: "production" is invalid: is the environment promote deploys to (flag --env): name the one whose image to take\n`],
    ['from an environment the file does not define', ['--env', 'production', 'promote', '--from', 'stage'], `${FIRST}hello-node: flag --from: "stage" is invalid: must be an environment of hello-node.yaml: hello-node.yaml defines "staging", "production"; did you mean "staging"?\n`],
    ['with an image flag, which the promoted image would override', ['--env', 'production', '--image', 'gcr.io/x/y:v1', 'promote', '--from', 'staging'], 'hello-node: flag --image: "gcr.io/x/y:v1" is invalid: is no setting of promote, which would ignore it (see: hello-node promote --help)\n'],
  ])('%s is refused before any tool runs', async (_, args, stderr) => {
    const run = await runCli(args, { projectRoot: project() });
    expect(run.code).toBe(1);
    expect(run.calls).toEqual([]);
    expect(run.stderr).toBe(stderr);
  });

  test('what reading the source environment says names the source: its --env and its context', async () => {
    const kubectl = () => ({ exitCode: 1, stdout: '', stderr: 'error: context "staging-ctx" does not exist\n' });
    const run = await runCli(['--env', 'production', 'promote', '--from', 'staging'], { projectRoot: project(), tools: { kubectl } });
    expect(run.code).toBe(1);
    expect(run.stderr.split('\n').at(-2)).toBe('hello-node: kubectl\'s configuration has no context "staging-ctx": check HELLO_NODE_CONTEXT (--context, or "context" in hello-node.yaml) against `kubectl config get-contexts`; `hello-node --env staging cluster credentials` adds a GKE cluster\'s context');
  });

  test('an unknown --from is never offered the environment it deploys to', async () => {
    const run = await runCli(['--env', 'production', 'promote', '--from', 'prod'], { projectRoot: project() });
    expect(run.stderr.split('\n').at(-2)).toBe('hello-node: flag --from: "prod" is invalid: must be an environment of hello-node.yaml: hello-node.yaml defines "staging", "production"');
  });

  test('in a project without environments, it says what it needs', async () => {
    const run = await runCli(['promote', '--from', 'staging'], { projectRoot: project('replicas: 2\n') });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('hello-node: flag --from: "staging" is invalid: must be an environment of hello-node.yaml: hello-node.yaml defines none (under "environments:")\n');
  });

  test('--dry-run reads the source\'s history through its context, and deploys through the target\'s', async () => {
    const run = await runCli(['--env', 'production', '--dry-run', 'promote', '--from', 'staging'], { projectRoot: project() });
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe('# environment production (flag --env): namespace production, kubectl context production-ctx');
    expect(lines).toContain('kubectl --context=staging-ctx get secrets --selector hello-node/revision --field-selector type=hello-node/revision --ignore-not-found --output json --namespace staging');
    expect(lines).toContain('# promoting <the image of staging\'s current revision> to production');
    expect(run.stdout).toContain('HELLO_NODE_IMAGE=\'<the image of staging\'\\\'\'s current revision>\'');
    expect(run.stdout).toContain('HELLO_NODE_ENV=production');
  });
});
