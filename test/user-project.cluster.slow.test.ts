// The package as a user installs it: the packed tarball, in a project laid out as
// `cdk8s init typescript-app` lays one out (the template's cdk8s.yaml and strict
// tsconfig.json, from the cdk8s-cli this repository installs), whose main.ts is the
// README's "In your own project" example, word for word. Then the README's commands, as
// a user types them, against the suite's real control plane and stand-in node.
//
// `cdk8s init` itself cannot run here: after its npm install it runs `cdk8s import k8s`,
// which downloads the Kubernetes schema from GitHub. And a test never touches the
// network, so the project installs the tarball and the template's dependencies with
// `npm install --offline`, from the npm cache that `npm ci` of this repository filled, at
// this repository's versions of them (`npm run test:package` installs the template's own
// versions from the registry).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describeWithCluster, expectExit, Finished, Json, linesOf, list, runProcess, useApp } from './cluster';
import { ROOT } from './project';

const TEMPLATE = path.join(ROOT, 'node_modules', 'cdk8s-cli', 'templates', 'typescript-app');
/** What the template's package.json installs (beside cdk8s-plus, which the example does not use), at this repository's versions. */
const TEMPLATE_PACKAGES = ['cdk8s', 'constructs', 'cdk8s-cli', 'typescript', 'ts-node', '@types/node'];
const SLOW = 180_000;

/** The fenced block of `language` under the README's heading `heading` (of level 2 or 3), before the next heading. */
export function readmeBlock(heading: string, language: string): string {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.split(/^###? /m).find((s) => s.startsWith(`${heading}\n`));
  const block = section && new RegExp(`^\`\`\`${language}\\n([\\s\\S]*?)^\`\`\`$`, 'm').exec(section);
  if (!block) {
    throw new Error(`README.md has no \`\`\`${language} block under "${heading}"`);
  }
  return block[1];
}

const version = (pkg: string): string => JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')).version;

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hello-node-user-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));
let packed: string | undefined;

/** The tarball, packed once for every project here: `npm pack` as a user of a clone runs it, the build first (jsii, and the CLI's bundle). */
function tarball(): string {
  if (!packed) {
    execFileSync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    packed = path.join(work, fs.readdirSync(work).find((f) => f.endsWith('.tgz')) ?? 'none.tgz');
  }
  return packed;
}

/** A project laid out as the template lays one out, with `mainTs` and the tarball installed beside the template's packages and `extra` ones. */
async function userProject(name: string, mainTs: string, extra: readonly string[] = []): Promise<string> {
  const project = path.join(work, name);
  fs.mkdirSync(project);
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true }));
  for (const file of ['cdk8s.yaml', 'tsconfig.json']) {
    fs.copyFileSync(path.join(TEMPLATE, file), path.join(project, file));
  }
  fs.writeFileSync(path.join(project, 'main.ts'), mainTs);
  const installed = await runProcess('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error', tarball(), ...[...TEMPLATE_PACKAGES, ...extra].map((p) => `${p}@${version(p)}`)], { cwd: project });
  expectExit(installed, 0);
  return project;
}

describeWithCluster('the package, installed in a project of the user\'s own', () => {
  // the namespace of kubectl's current context: a user who set nothing
  const cluster = useApp('context');
  let project: string;
  let commands: string[];

  beforeAll(async () => {
    project = await userProject('shop', readmeBlock('In your own project', 'ts'));
    commands = readmeBlock('In your own project', 'sh').split('\n').map((line) => line.replace(/\s+#.*$/, '')).filter(Boolean);
  }, 600_000);

  /** The README's command line that runs `what`, run as a shell runs it, in the project. */
  const readme = (what: string): Promise<Finished> => {
    const line = commands.find((c) => c.includes(what));
    if (!line) {
      throw new Error(`the README's commands have none with "${what}": ${commands.join(' | ')}`);
    }
    return runProcess('bash', ['-c', line], { cwd: project, env: { ...cluster.env, GCP_PROJECT: '' } });
  };
  const controllers = async () => (await list(`/api/v1/namespaces/${cluster.namespace}/replicationcontrollers`)).map((rc) => [rc.metadata.name, rc.spec.template.spec.containers[0].image]);

  test('installs only the tarball\'s own: the constructs and the compiled CLI, with no TypeScript at run time', async () => {
    const cli = await runProcess(path.join(project, 'node_modules', '.bin', 'hello-node'), ['--version'], { cwd: project, env: cluster.env });
    expectExit(cli, 0);
    expect(cli.stdout.trim()).toBe(`hello-node ${JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version}`);
    expect(fs.realpathSync(path.join(project, 'node_modules', '.bin', 'hello-node'))).toBe(path.join(project, 'node_modules', 'hello-node-cdk8s', 'bin', 'hello-node.js'));
    expect(fs.existsSync(path.join(project, 'node_modules', 'hello-node-cdk8s', 'src'))).toBe(false);
  }, SLOW);

  test('the README\'s example synthesizes with npx hello-node synth, taking HELLO_NODE_IMAGE', async () => {
    const synth = await readme('npx hello-node synth');
    expectExit(synth, 0);
    const written = fs.readFileSync(path.join(project, 'dist', 'shop.k8s.yaml'), 'utf8');
    expect(written).toContain('name: shop-rc');
    expect(written).toContain('image: registry.example/shop:v1');
  }, SLOW);

  test('--dry-run deploy prints an ApplySet prune of the app\'s own objects, named after its HelloNodeApp', async () => {
    const dryRun = await readme('--dry-run deploy');
    expectExit(dryRun, 0);
    expect(dryRun.stdout + dryRun.stderr).toContain('--applyset=shop-applyset --prune');
    expect(await controllers()).toEqual([]);
  }, SLOW);

  test('deploy, status and teardown act on the app: shop-rc runs the image given, then is gone', async () => {
    expectExit(await readme('npx hello-node deploy'), 0);
    expect(await controllers()).toEqual([['shop-rc', 'registry.example/shop:v1']]);
    const status = await readme('npx hello-node status');
    expectExit(status, 0);
    expect(status.stdout).toContain('replicationcontroller/shop-rc');
    expectExit(await readme('npx hello-node teardown'), 0);
    expect(await controllers()).toEqual([]);
  }, 3 * SLOW);
});

// The README's cdk8s-plus example, as is with the version the template installs, and with
// cdk8s-plus-27 (the design card's) through its own entry point.
describeWithCluster.each([
  ['cdk8s-plus-33', (ts: string) => ts],
  ['cdk8s-plus-27', (ts: string) => ts.replace(/cdk8s-plus-33/g, 'cdk8s-plus-27').replace(/kplus-33/g, 'kplus-27')],
])('the README\'s cdk8s-plus example, with %s', (plus, asFor) => {
  const cluster = useApp('setting');
  let project: string;
  let written: Json[];

  beforeAll(async () => {
    project = await userProject(`shop-${plus}`, asFor(readmeBlock('With cdk8s-plus', 'ts')), [plus]);
  }, 600_000);

  test('type-checks under the template\'s strict tsconfig and synthesizes with npx cdk8s synth', async () => {
    expectExit(await runProcess('npx', ['tsc', '--noEmit', '-p', '.'], { cwd: project, env: cluster.env }), 0);
    expectExit(await runProcess('npx', ['cdk8s', 'synth'], { cwd: project, env: cluster.env }), 0);
    written = parseAllDocuments(fs.readFileSync(path.join(project, 'dist', 'shop.k8s.yaml'), 'utf8')).map((d) => d.toJS());
    const byKind = (kind: string) => written.filter((o) => o.kind === kind);
    const [service] = byKind('Service');
    expect(service.spec).toMatchObject({ type: 'ClusterIP', selector: { app: 'shop' }, ports: [{ port: 80, targetPort: 8080 }] });
    const [ingress] = byKind('Ingress');
    expect(ingress.spec.defaultBackend).toEqual({ service: { name: 'shop-svc', port: { number: 80 } } });
    const selecting = byKind('NetworkPolicy').filter((p) => JSON.stringify(p.spec.podSelector) === JSON.stringify({ matchLabels: { app: 'shop' } }));
    // the app's own policy (only its port, from anywhere) and the one that lets web in
    expect(selecting.map((p) => p.spec.ingress.map((rule: Json) => rule.ports))).toEqual([[[{ port: 8080, protocol: 'TCP' }]], [[{ port: 8080, protocol: 'TCP' }]]]);
    expect(selecting.map((p) => p.spec.ingress[0].from[0])).toContainEqual({ ipBlock: { cidr: '0.0.0.0/0' } });
    const web = byKind('Deployment')[0];
    const fromWeb = selecting.find((p) => p.spec.ingress[0].from[0].podSelector)!;
    expect(fromWeb.spec.ingress[0].from[0].podSelector).toEqual(web.spec.selector);
  }, SLOW);

  test('the real API server creates every object it writes', async () => {
    const applied = await runProcess('kubectl', ['apply', '-f', path.join(project, 'dist'), '--namespace', cluster.namespace], { env: cluster.env });
    expectExit(applied, 0);
    expect(linesOf(applied.stdout)).toHaveLength(written.length);
    expect(applied.stdout).not.toMatch(/unchanged|configured/);
  }, SLOW);
});
