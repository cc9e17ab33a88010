import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { connectionOf } from './kubeconfig';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kubeconfig-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let files = 0;
/** A kubeconfig of one context, `shop`, with `cluster` and `user` over a plain token user of a server with a CA. */
function kubeconfig({ cluster = {}, user = {}, context = {}, extra = {} }: { cluster?: object; user?: object; context?: object; extra?: object } = {}): string {
  const file = path.join(dir, `config-${files++}`);
  fs.writeFileSync(file, stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { 'server': 'https://127.0.0.1:6443', 'certificate-authority-data': Buffer.from('ca').toString('base64'), ...cluster } }],
    users: [{ name: 'u', user: { token: 'secret', ...user } }],
    contexts: [{ name: 'shop', context: { cluster: 'c', user: 'u', namespace: 'shop', ...context } }],
    'current-context': 'shop',
    ...extra,
  }));
  return file;
}
const env = (file: string, more: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, KUBECONFIG: file, ...more });

/** An exec plugin: a script that records its KUBERNETES_EXEC_INFO and prints `credential`, after `before` (shell). */
function plugin(credential: object, before = ''): string {
  const file = path.join(dir, `plugin-${files++}.sh`);
  fs.writeFileSync(file, `#!/bin/sh\n${before}\nprintf '%s' "$KUBERNETES_EXEC_INFO" > "${file}.info"\ncat <<'EOF'\n${JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', status: credential })}\nEOF\n`, { mode: 0o755 });
  return file;
}

describe('the kubeconfig the in-process kubectl reads as kubectl does', () => {
  test('a context of one file: its name and namespace, the current one unless one is named', () => {
    const file = kubeconfig();
    expect(connectionOf(env(file), undefined)).toMatchObject({ contextName: 'shop', namespace: 'shop' });
    expect(connectionOf(env(file), 'elsewhere')).toBeUndefined();
  });

  test.each([
    ['several files in KUBECONFIG (kubectl merges them by its own rules)', () => env(`${kubeconfig()}${path.delimiter}${kubeconfig()}`)],
    ['a file that does not exist', () => env(path.join(dir, 'missing'))],
    ['a proxy from the environment (Go\'s rules, NO_PROXY among them)', () => env(kubeconfig(), { HTTPS_PROXY: 'http://127.0.0.1:9' })],
    ['a tokenFile, which the client does not read', () => env(kubeconfig({ user: { tokenFile: '/run/token' } }))],
    ['a legacy auth-provider, which kubectl no longer has', () => env(kubeconfig({ user: { token: undefined, 'auth-provider': { name: 'gcp' } } }))],
    ['impersonation', () => env(kubeconfig({ user: { as: 'someone' } }))],
    ['a token and basic auth together, which kubectl refuses', () => env(kubeconfig({ user: { username: 'a', password: 'b' } }))],
    ['a CA with insecure-skip-tls-verify, which kubectl refuses', () => env(kubeconfig({ cluster: { 'insecure-skip-tls-verify': true } }))],
    ['two contexts of one name, which kubectl refuses', () => env(kubeconfig({ extra: { contexts: [{ name: 'shop', context: { cluster: 'c', user: 'u' } }, { name: 'shop', context: { cluster: 'c', user: 'u' } }] } }))],
    ['an exec plugin that must have a terminal', () => env(kubeconfig({ user: { token: undefined, exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: 'x', interactiveMode: 'Always' } } }))],
    ['an exec plugin of v1 without an interactiveMode, which kubectl refuses', () => env(kubeconfig({ user: { token: undefined, exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'x' } } }))],
  ])('leaves kubectl to read %s', (_what, environment) => {
    expect(connectionOf(environment(), undefined)).toBeUndefined();
  });

  test('runs an exec plugin as kubectl does: with no stdin to wait on, KUBERNETES_EXEC_INFO and the cluster\'s details, once until its credential expires', async () => {
    // a plugin that reads stdin (an MFA prompt) ends at once without a terminal, as under kubectl
    const script = plugin({ token: 'from-plugin', expirationTimestamp: new Date(Date.now() + 3_600_000).toISOString() }, 'read -r answer || true\necho ran >> "$0.runs"');
    const file = kubeconfig({ user: { token: undefined, exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: script, provideClusterInfo: true, env: [{ name: 'MODE', value: 'test' }] } } });
    const connection = connectionOf(env(file), undefined);
    expect(await connection?.credential()).toEqual({ token: 'from-plugin', cert: undefined, key: undefined });
    expect(await connection?.credential()).toMatchObject({ token: 'from-plugin' });
    expect(fs.readFileSync(`${script}.runs`, 'utf8')).toBe('ran\n');
    expect(JSON.parse(fs.readFileSync(`${script}.info`, 'utf8'))).toEqual({
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      kind: 'ExecCredential',
      spec: { interactive: false, cluster: { 'server': 'https://127.0.0.1:6443', 'certificate-authority-data': Buffer.from('ca').toString('base64') } },
    });
  });

  test('an exec plugin that fails, or gives no credential, fails the request: kubectl then runs it and says why', async () => {
    const failing = kubeconfig({ user: { token: undefined, exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: plugin({}, 'exit 3') } } });
    await expect(connectionOf(env(failing), undefined)?.credential()).rejects.toThrow();
    const empty = kubeconfig({ user: { token: undefined, exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: plugin({}) } } });
    await expect(connectionOf(env(empty), undefined)?.credential()).rejects.toThrow('gave no credential');
  });
});
