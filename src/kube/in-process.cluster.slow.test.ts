// The in-process kubectl (in-process.ts) beside the real kubectl, on the suite's real
// kube-apiserver: each command it does itself must answer as kubectl answers it, leave
// the cluster as kubectl leaves it, and hand to kubectl whatever it does not do.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { stringify } from 'yaml';
import { createNamespace, deleteNamespace, describeWithCluster, get, Json, kubeconfigWithNamespace, theCluster, uniqueName } from '../../test/cluster';
import { CliError } from '../exec/errors';
import { spawnTool, ToolCommand, ToolExecutor } from '../exec/tools';
import { inProcessKubectl } from './in-process';
import { itemsOf } from '../release/preview';

/** Each test runs kubectl several times, some 0.2 to 2 s each on a loaded machine. */
const SLOW = 120_000;

describeWithCluster('kubectl\'s commands done from the CLI\'s own process', () => {
  const namespace = uniqueName('in-process');
  let dir: string;
  let env: NodeJS.ProcessEnv;
  /** The commands the in-process executor handed to kubectl. */
  let handedOn: ToolCommand[];
  let inProcess: ToolExecutor;

  beforeAll(async () => {
    await createNamespace(namespace);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'in-process-'));
    env = { PATH: process.env.PATH, HOME: dir, KUBECONFIG: kubeconfigWithNamespace(dir, namespace) };
  });
  afterAll(async () => {
    await deleteNamespace(namespace);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    handedOn = [];
    inProcess = inProcessKubectl((command, io) => {
      handedOn.push(command);
      return kubectlRun(command, io);
    }, env);
  });

  /** The real kubectl, with the test's kubeconfig. */
  const kubectlRun: ToolExecutor = (command, io) => spawnTool({ ...command, env: { ...command.env, KUBECONFIG: env.KUBECONFIG ?? '', HOME: dir } }, io);
  const io = () => ({ stream: false, echoStderr: false, out: new PassThrough(), err: new PassThrough() });
  const both = async (args: string[], input?: string) => {
    const command: ToolCommand = { tool: 'kubectl', args, input };
    return { mine: await inProcess(command, io()), theirs: await kubectlRun(command, io()) };
  };
  const configMap = (name: string, data: Record<string, string> = { greeting: 'hello' }) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data });
  const managers = async (name: string) => ((await get(`/api/v1/namespaces/${namespace}/configmaps/${name}`)).metadata.managedFields as Json[])
    .map((f) => [f.manager, f.operation, f.subresource]);

  test('get prints what kubectl prints: one object, a List by selector or by several names, names, and nothing for what is missing with --ignore-not-found', async () => {
    for (const name of ['a', 'b']) {
      await kubectlRun({ tool: 'kubectl', args: ['create', '-f', '-', '--namespace', namespace], input: configMap(name) }, io());
    }
    for (const args of [
      ['get', 'configmap/a', '--output', 'json'],
      ['get', 'cm', 'a', 'b', '--output', 'json', '--show-managed-fields'],
      ['get', 'configmaps', '--selector', 'nothing!=here', '--output', 'json'],
      ['get', 'ConfigMap/a', 'configmap/missing', '--ignore-not-found', '--output', 'json'],
      ['get', 'configmaps', '--output', 'name'],
      ['get', 'lease/missing', '--ignore-not-found', '--output', 'json'],
      ['get', 'serviceaccounts,configmaps', '--field-selector', 'metadata.name=default', '--output', 'json'],
    ]) {
      const { mine, theirs } = await both([...args, '--namespace', namespace]);
      expect({ args, out: mine.stdout.trim() === '' ? '' : JSON.parse(args.includes('name') ? JSON.stringify(mine.stdout.split('\n')) : mine.stdout) })
        .toEqual({ args, out: theirs.stdout.trim() === '' ? '' : JSON.parse(args.includes('name') ? JSON.stringify(theirs.stdout.split('\n')) : theirs.stdout) });
    }
    expect(handedOn).toEqual([]);
  }, SLOW);

  test('create, patch, scale and delete leave the object and its field managers as kubectl leaves them', async () => {
    const ns = ['--namespace', namespace];
    for (const [run, name] of [[inProcess, 'mine'], [kubectlRun, 'theirs']] as const) {
      await run({ tool: 'kubectl', args: ['create', '-f', '-', ...ns], input: configMap(name) }, io());
      await run({ tool: 'kubectl', args: ['patch', `configmap/${name}`, '--type', 'merge', '--patch', '{"data":{"patched":"yes"}}', ...ns] }, io());
      await run({ tool: 'kubectl', args: ['patch', 'configmap', name, '--type=json', '--patch', '[{"op":"add","path":"/data/json","value":"yes"}]', '--field-manager=someone', ...ns] }, io());
    }
    expect(await managers('mine')).toEqual(await managers('theirs'));
    expect((await get(`/api/v1/namespaces/${namespace}/configmaps/mine`)).data).toEqual({ greeting: 'hello', patched: 'yes', json: 'yes' });

    const rc = (name: string) => JSON.stringify({ apiVersion: 'v1', kind: 'ReplicationController', metadata: { name }, spec: { replicas: 1, selector: { rc: name }, template: { metadata: { labels: { rc: name } }, spec: { containers: [{ name: 'c', image: 'registry.example/c:1' }] } } } });
    for (const [run, name] of [[inProcess, 'mine'], [kubectlRun, 'theirs']] as const) {
      await run({ tool: 'kubectl', args: ['create', '-f', '-', ...ns], input: rc(name) }, io());
      const scaled = await run({ tool: 'kubectl', args: ['scale', '--replicas=0', `replicationcontroller/${name}`, ...ns] }, io());
      expect(scaled.stdout).toBe(`replicationcontroller/${name} scaled\n`);
    }
    const rcManagers = async (name: string) => ((await get(`/api/v1/namespaces/${namespace}/replicationcontrollers/${name}`)).metadata.managedFields as Json[])
      .filter((f) => f.manager !== 'kube-controller-manager').map((f) => [f.manager, f.operation, f.subresource]);
    expect(await rcManagers('mine')).toEqual(await rcManagers('theirs'));
    expect((await get(`/api/v1/namespaces/${namespace}/replicationcontrollers/mine`)).spec.replicas).toBe(0);

    const deleted = await inProcess({ tool: 'kubectl', args: ['delete', 'configmap', 'mine', 'gone', '--ignore-not-found', ...ns] }, io());
    expect(deleted).toEqual({ exitCode: 0, stdout: 'configmap "mine" deleted\n', stderr: '' });
    await expect(get(`/api/v1/namespaces/${namespace}/configmaps/mine`)).rejects.toThrow(/404|not found/i);
    expect(handedOn).toEqual([]);
  }, SLOW);

  test('a server-side apply, and its dry run, answer as kubectl\'s and write what kubectl writes', async () => {
    const args = ['apply', '--server-side', '--field-manager=hello-node', '--force-conflicts', '-f', '-', '--namespace', namespace];
    // YAML, as the deploy writes it (kubectl reads input that starts as JSON as JSON only)
    const input = [configMap('applied', { a: '1' }), configMap('applied-too', { b: '2' })].map((json) => stringify(JSON.parse(json))).join('---\n');
    const dry = await both([...args, '--dry-run=server', '--output=json', '--show-managed-fields'], input);
    const shape = (text: string) => itemsOf(text).map((o: Json) => ({ name: o.metadata.name, data: o.data, managers: o.metadata.managedFields.map((f: Json) => f.manager) }));
    expect(shape(dry.mine.stdout)).toEqual(shape(dry.theirs.stdout));
    await expect(get(`/api/v1/namespaces/${namespace}/configmaps/applied`)).rejects.toThrow(/404|not found/i);

    const applied = await inProcess({ tool: 'kubectl', args, input }, io());
    expect(applied.stdout).toBe('configmap/applied serverside-applied\nconfigmap/applied-too serverside-applied\n');
    expect(await managers('applied')).toEqual([['hello-node', 'Apply', undefined]]);
    expect(handedOn).toEqual([]);
  }, SLOW);

  test('the API server\'s warnings are printed as kubectl prints them, where kubectl\'s own output would show', async () => {
    // a version the API server of the suite (1.26) serves and deprecates
    const input = stringify({ apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta2', kind: 'FlowSchema', metadata: { name: 'deprecated' }, spec: { priorityLevelConfiguration: { name: 'global-default' }, matchingPrecedence: 9000 } });
    const command: ToolCommand = { tool: 'kubectl', args: ['apply', '--server-side', '--field-manager=hello-node', '-f', '-', '--dry-run=server', '--output=json'], input };
    const err = new PassThrough();
    const mine = await inProcess(command, { ...io(), echoStderr: true, err });
    const theirs = await kubectlRun(command, io());
    expect(mine.stderr).toBe(theirs.stderr);
    expect(mine.stderr).toMatch(/^Warning: flowcontrol.apiserver.k8s.io\/v1beta2 FlowSchema is deprecated/);
    expect(err.read()?.toString()).toBe(mine.stderr);
    expect(handedOn).toEqual([]);
  }, SLOW);

  test('a request the API server refuses is run again by kubectl: the failure is kubectl\'s own words and exit code', async () => {
    const command: ToolCommand = { tool: 'kubectl', args: ['get', 'configmap/missing', '--output', 'json', '--namespace', namespace] };
    const mine = await inProcess(command, io());
    expect(mine.exitCode).toBe(1);
    expect(mine.stderr).toMatch(/^Error from server \(NotFound\): configmaps "missing" not found/);
    expect(handedOn).toEqual([command]);

    const refused = await inProcess({ tool: 'kubectl', args: ['create', '-f', '-', '--namespace', 'no-such-namespace'], input: configMap('x') }, io());
    expect(refused.stderr).toMatch(/namespaces "no-such-namespace" not found/);
  }, SLOW);

  test('what it does not do goes to kubectl: another output, a flag, a kind the API server does not serve, the ApplySet apply', async () => {
    const commands: ToolCommand[] = [
      { tool: 'kubectl', args: ['get', 'configmaps', '--output', 'wide', '--namespace', namespace] },
      { tool: 'kubectl', args: ['delete', 'configmap/x', '--ignore-not-found', '--timeout=5s', '--namespace', namespace] },
      { tool: 'kubectl', args: ['get', 'widgets.example.com', '--ignore-not-found', '--output', 'json', '--namespace', namespace] },
      { tool: 'kubectl', args: ['apply', '--server-side', '--applyset=x', '--prune', '-f', '-', '--namespace', namespace], env: { KUBECTL_APPLYSET: 'true' }, input: configMap('x') },
    ];
    for (const command of commands) {
      await inProcess(command, io());
    }
    expect(handedOn).toEqual(commands);
  }, SLOW);

  test('a kubeconfig of several files, or a context it lacks, is left to kubectl, which reads and explains them', async () => {
    const second = path.join(dir, 'empty-kubeconfig');
    fs.writeFileSync(second, 'apiVersion: v1\nkind: Config\n');
    const several = inProcessKubectl((command, io) => {
      handedOn.push(command);
      return kubectlRun(command, io);
    }, { ...env, KUBECONFIG: `${env.KUBECONFIG}${path.delimiter}${second}` });
    const read: ToolCommand = { tool: 'kubectl', args: ['get', 'configmaps', '--output', 'name', '--namespace', namespace] };
    await several(read, io());
    const elsewhere: ToolCommand = { tool: 'kubectl', args: ['--context=nowhere', 'get', 'configmaps', '--output', 'name'] };
    const refused = await inProcess(elsewhere, io());
    expect(handedOn).toEqual([read, elsewhere]);
    expect(refused.stderr).toMatch(/context "nowhere" does not exist|context was not found/);
  }, SLOW);

  test('a user of an exec credential plugin is sent its credential, the plugin run once for the commands\' requests', async () => {
    const plugin = path.join(dir, 'plugin.sh');
    const credential = { apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', status: { token: theCluster().token } };
    fs.writeFileSync(plugin, `#!/bin/sh\necho ran >> "$0.runs"\ncat <<'EOF'\n${JSON.stringify(credential)}\nEOF\n`, { mode: 0o755 });
    const kubeconfig = path.join(dir, 'kubeconfig-exec');
    fs.writeFileSync(kubeconfig, stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'exec',
      clusters: [{ name: 'c', cluster: { 'server': theCluster().server, 'certificate-authority-data': Buffer.from(theCluster().ca).toString('base64') } }],
      users: [{ name: 'u', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: plugin, provideClusterInfo: true } } }],
      contexts: [{ name: 'exec', context: { cluster: 'c', user: 'u', namespace } }],
    }));
    const withPlugin = inProcessKubectl((command, io) => {
      handedOn.push(command);
      return spawnTool({ ...command, env: { KUBECONFIG: kubeconfig } }, io);
    }, { ...env, KUBECONFIG: kubeconfig });
    for (const name of ['exec-a', 'exec-b']) {
      await withPlugin({ tool: 'kubectl', args: ['create', '-f', '-'], input: configMap(name) }, io());
    }
    const listed = await withPlugin({ tool: 'kubectl', args: ['get', 'configmaps', '--output', 'name'] }, io());
    expect(listed.stdout).toContain('configmap/exec-a\nconfigmap/exec-b\n');
    expect(fs.readFileSync(`${plugin}.runs`, 'utf8')).toBe('ran\n');
    expect(handedOn).toEqual([]);
  }, SLOW);

  test('a create whose answer was lost on the way is said to be so, and never sent again', async () => {
    // the connection breaks after the API server answered a POST: a stand-in for a network that fails, in front of the real API server
    const { server, ca, token } = theCluster();
    const proxy = http.createServer((req, res) => {
      const upstream = https.request(new URL(req.url ?? '/', server), { method: req.method, headers: { ...req.headers, host: new URL(server).host, authorization: `Bearer ${token}` }, ca }, (answer) => {
        if (req.method === 'POST') {
          answer.resume().on('end', () => req.socket.destroy());
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const kubeconfig = path.join(dir, 'kubeconfig-proxy');
      fs.writeFileSync(kubeconfig, stringify({
        apiVersion: 'v1', kind: 'Config', 'current-context': 'p',
        clusters: [{ name: 'c', cluster: { 'server': `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, 'insecure-skip-tls-verify': true } }],
        users: [{ name: 'u', user: { token } }],
        contexts: [{ name: 'p', context: { cluster: 'c', user: 'u', namespace } }],
      }));
      const lossy = inProcessKubectl((command, io) => {
        handedOn.push(command);
        return kubectlRun(command, io);
      }, { ...env, KUBECONFIG: kubeconfig });
      const sent = lossy({ tool: 'kubectl', args: ['create', '-f', '-'], input: configMap('lost-answer') }, io());
      await expect(sent).rejects.toThrow(CliError);
      await expect(sent).rejects.toThrow(/broke after it was sent POST \/api\/v1\/namespaces\/\S+\/configmaps\?fieldManager=kubectl-create&fieldValidation=Strict, before its answer .*: whether it was done is unknown/);
      expect((await get(`/api/v1/namespaces/${namespace}/configmaps/lost-answer`)).metadata.name).toBe('lost-answer');
      expect(handedOn).toEqual([]);
    } finally {
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    }
  }, SLOW);

  test('a watch prints each change as it comes, none of what was there before, until stopped', async () => {
    await kubectlRun({ tool: 'kubectl', args: ['create', '-f', '-', '--namespace', namespace], input: configMap('before') }, io());
    const stop = new AbortController();
    const out = new PassThrough();
    let seen = '';
    out.setEncoding('utf8').on('data', (chunk: string) => (seen += chunk));
    const watching = inProcess({ tool: 'kubectl', args: ['get', 'configmaps', '--watch-only', '--output', 'name', '--namespace', namespace] }, { stream: true, echoStderr: false, out, err: new PassThrough(), stop: stop.signal });
    // a change made before the watch read the list it starts from is no part of it: made again until one is seen
    for (let i = 0; !seen.includes('configmap/during'); i++) {
      await kubectlRun({ tool: 'kubectl', args: ['create', '-f', '-', '--namespace', namespace], input: configMap(`during-${i}`) }, io());
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    stop.abort();
    expect(await watching).toEqual({ exitCode: 0, stdout: '', stderr: '' });
    expect(seen).toMatch(/^(configmap\/during-\d+\n)+$/);
    expect(handedOn).toEqual([]);
  }, SLOW);
});
