import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HelloNodeSettings } from './hello-node-settings';
import { loadAppSettings, loadClusterSettings, SettingLookup, SettingName } from './settings';
import { readSettingsFile, SETTINGS_FILE, settingsLookup } from './settings-file';

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** A project directory whose hello-node.yaml is `text`. */
function project(text?: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hello-node-settings-file-'));
  dirs.push(dir);
  if (text !== undefined) {
    fs.writeFileSync(path.join(dir, SETTINGS_FILE), text);
  }
  return dir;
}

/** The message `act` throws; fails the test when it throws none. */
function messageOf(act: () => unknown): string {
  try {
    act();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected an error, but nothing was thrown');
}

const TWO_ENVIRONMENTS = [
  'project: shop-prod-123',
  'profile: production',
  'replicas: 3',
  'environments:',
  '  staging:',
  '    namespace: staging',
  '    replicas: 2',
  '  production:',
  '    namespace: production',
  '    replicas: 5',
  '    domain: shop.example.com',
  '',
].join('\n');

const flags = (values: Record<string, string>): SettingLookup => (name) => (values[name] === undefined ? undefined : { value: values[name], source: `flag for ${name}`, fromFlag: true, origin: 'flag' });

describe('the settings of a project with hello-node.yaml', () => {
  test('a flag wins over the variable, the variable over the environment\'s section, the section over the top level', () => {
    const dir = project(TWO_ENVIRONMENTS);
    const { lookup } = settingsLookup(dir, { HELLO_NODE_ENV: 'production', HELLO_NODE_NAMESPACE: 'from-variable' }, flags({ HELLO_NODE_DOMAIN: 'flag.example.com' }));
    expect(lookup('HELLO_NODE_DOMAIN')).toMatchObject({ value: 'flag.example.com', origin: 'flag' });
    expect(lookup('HELLO_NODE_NAMESPACE')).toMatchObject({ value: 'from-variable', origin: 'variable HELLO_NODE_NAMESPACE' });
    expect(lookup('HELLO_NODE_REPLICAS')).toMatchObject({ value: '5', origin: 'hello-node.yaml:10', source: 'hello-node.yaml:10 replicas' });
    expect(lookup('HELLO_NODE_PROFILE')).toMatchObject({ value: 'production', origin: 'hello-node.yaml:2' });
    expect(lookup('GKE_CLUSTER')).toBeUndefined();
  });

  test('the --env flag wins over HELLO_NODE_ENV', () => {
    const settings = settingsLookup(project(TWO_ENVIRONMENTS), { HELLO_NODE_ENV: 'production' }, undefined, 'staging');
    expect(settings).toMatchObject({ environment: 'staging', environmentSource: 'flag --env' });
    expect(settings.lookup('HELLO_NODE_REPLICAS')?.value).toBe('2');
  });

  test('with no environment chosen, the top level alone', () => {
    const { lookup, environment } = settingsLookup(project(TWO_ENVIRONMENTS), {});
    expect(environment).toBeUndefined();
    expect(lookup('HELLO_NODE_REPLICAS')?.value).toBe('3');
    expect(lookup('HELLO_NODE_NAMESPACE')).toBeUndefined();
  });

  test('values are the text written: a tag 1.10 stays 1.10, a quoted "null" is text, an empty value in an environment unsets the top level\'s', () => {
    const dir = project('tag: 1.10\ndomain: shop.example.com\nrepository: "null"\nenvironments:\n  dev:\n    domain:\n  qa:\n    namespace: qa\n    domain: ~\n');
    const dev = settingsLookup(dir, { HELLO_NODE_ENV: 'dev' }).lookup;
    expect(dev('IMAGE_TAG')?.value).toBe('1.10');
    expect(dev('IMAGE_REPOSITORY')?.value).toBe('null');
    expect(dev('HELLO_NODE_DOMAIN')).toBeUndefined();
    expect(settingsLookup(dir, { HELLO_NODE_ENV: 'qa' }).lookup('HELLO_NODE_DOMAIN')).toBeUndefined();
    expect(settingsLookup(dir, {}).lookup('HELLO_NODE_DOMAIN')?.value).toBe('shop.example.com');
  });

  test('an anchor and its alias give the same value', () => {
    const dir = project('environments:\n  staging:\n    namespace: staging\n    replicas: &two 2\n  production:\n    namespace: production\n    replicas: *two\n');
    expect(settingsLookup(dir, { HELLO_NODE_ENV: 'production' }).lookup('HELLO_NODE_REPLICAS')?.value).toBe('2');
  });

  test('a merge key (<<) takes another section\'s settings, under the section\'s own, with their lines', () => {
    const dir = project('environments:\n  staging: &base\n    namespace: staging\n    replicas: 2\n    domain: staging.example.com\n  production:\n    <<: *base\n    namespace: production\n    domain:\n');
    const { lookup } = settingsLookup(dir, { HELLO_NODE_ENV: 'production' });
    expect(lookup('HELLO_NODE_REPLICAS')).toMatchObject({ value: '2', origin: 'hello-node.yaml:4' });
    expect(lookup('HELLO_NODE_NAMESPACE')?.value).toBe('production');
    expect(lookup('HELLO_NODE_DOMAIN')).toBeUndefined();
  });

  test('an empty section takes the top level as it is, and an empty environments: defines none', () => {
    const dir = project('replicas: 2\nnamespace: shared\nenvironments:\n  staging:\n  # nothing of its own yet\n');
    expect(settingsLookup(dir, { HELLO_NODE_ENV: 'staging' }).lookup('HELLO_NODE_REPLICAS')?.value).toBe('2');
    expect(readSettingsFile(project('replicas: 2\nenvironments:\n'))?.environments.size).toBe(0);
  });

  test.each([
    ['a section\'s autoscaling drops the top level\'s fixed count', 'replicas: 2\ntarget-cpu: 60\nenvironments:\n  production:\n    max-replicas: 8\n', {}, { HELLO_NODE_REPLICAS: undefined, HELLO_NODE_MAX_REPLICAS: '8', HELLO_NODE_TARGET_CPU: '60' }],
    ['a variable\'s autoscaling drops the file\'s fixed count', 'environments:\n  production:\n    replicas: 2\n', { HELLO_NODE_MAX_REPLICAS: '4' }, { HELLO_NODE_REPLICAS: undefined, HELLO_NODE_MAX_REPLICAS: '4' }],
    ['a variable\'s fixed count drops the file\'s autoscaling', 'max-replicas: 8\nmin-replicas: 2\nenvironments:\n  production: {}\n', { HELLO_NODE_REPLICAS: '3' }, { HELLO_NODE_REPLICAS: '3', HELLO_NODE_MAX_REPLICAS: undefined, HELLO_NODE_MIN_REPLICAS: undefined }],
    ['a section\'s empty max-replicas unsets the autoscaler, its other fields from the top level with it', 'max-replicas: 8\nmin-replicas: 2\nenvironments:\n  production:\n    max-replicas:\n', {}, { HELLO_NODE_REPLICAS: undefined, HELLO_NODE_MAX_REPLICAS: undefined, HELLO_NODE_MIN_REPLICAS: undefined }],
    ['a section\'s own autoscaling wins over the count a merge key gives it', 'environments:\n  staging: &base\n    namespace: staging\n    replicas: 2\n  production:\n    <<: *base\n    namespace: production\n    max-replicas: 10\n', {}, { HELLO_NODE_REPLICAS: undefined, HELLO_NODE_MAX_REPLICAS: '10' }],
    ['a section\'s count with autoscaling beside it goes on, to be refused together', 'environments:\n  production:\n    replicas: 2\n    max-replicas: 8\n', {}, { HELLO_NODE_REPLICAS: '2', HELLO_NODE_MAX_REPLICAS: '8' }],
  ])('the highest source that sizes the workload decides between a count and autoscaling: %s', (_, text, variables, expected) => {
    const { lookup } = settingsLookup(project(text), { HELLO_NODE_ENV: 'production', ...variables });
    for (const [name, value] of Object.entries(expected)) {
      expect([name, lookup(name as SettingName)?.value]).toEqual([name, value]);
    }
  });

  test('a file of comments alone, or none, sets nothing', () => {
    expect(settingsLookup(project('# settings go here\n'), {}).lookup('GCP_PROJECT')).toBeUndefined();
    expect(readSettingsFile(project())).toBeUndefined();
    expect(settingsLookup(project(), { GCP_PROJECT: 'from-variable-1' }).lookup('GCP_PROJECT')?.value).toBe('from-variable-1');
  });

  test('HelloNodeSettings reads the file of the working directory, for the environment HELLO_NODE_ENV names', () => {
    const dir = project(TWO_ENVIRONMENTS);
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      expect(HelloNodeSettings.fromEnvironment({ HELLO_NODE_ENV: 'production' })).toMatchObject({ replicas: 5, namespace: 'production', domain: 'shop.example.com' });
      expect(HelloNodeSettings.appliedTo({ name: 'shop', replicas: 1 }, { HELLO_NODE_ENV: 'staging', HELLO_NODE_REPLICAS: '4' })).toMatchObject({ name: 'shop', replicas: 4, namespace: 'staging' });
      expect(HelloNodeSettings.fromEnvironment({})).toMatchObject({ replicas: 3 });
      expect(HelloNodeSettings.fromEnvironment({}).namespace).toBeUndefined();
    } finally {
      process.chdir(cwd);
    }
  });
});

describe('bad input in hello-node.yaml is one line naming the file, the line and the rule', () => {
  test.each([
    ['an unknown key, with the nearest known one', 'project: shop-prod-123\nenvironments:\n  staging:\n    namespace: staging\n    replica: 2\n', 'hello-node.yaml:5: unknown setting "replica" (did you mean "replicas"?)'],
    ['an unknown key at the top level', 'max-replica: 4\n', 'hello-node.yaml:1: unknown setting "max-replica" (did you mean "max-replicas"?)'],
    ['a duplicate key', 'replicas: 2\nnamespace: a\nreplicas: 3\n', 'hello-node.yaml:3: duplicate setting "replicas" (first at line 1)'],
    ['a duplicate environment', 'environments:\n  staging: {namespace: a}\n  staging: {namespace: b}\n', 'hello-node.yaml:3: duplicate environment "staging" (first at line 2)'],
    ['a file that is not YAML', 'replicas: [2\n', 'hello-node.yaml:2: is not YAML: '],
    ['a file of two YAML documents', 'replicas: 2\n---\nreplicas: 3\n', 'hello-node.yaml:2: holds a second YAML document (after ---): the settings are one map'],
    ['a file that is a list', '- replicas: 2\n', 'hello-node.yaml:1: must be a map of settings (key: value), not a list'],
    ['a section that is not a map', 'environments:\n  staging: yes\n', 'hello-node.yaml:2: environment "staging" must be a map of settings (key: value), not a value'],
    ['environments that are not a map', 'environments:\n  - staging\n', 'hello-node.yaml:1: "environments" must be a map of environments (name: settings), not a list'],
    ['a value that is a list', 'namespace:\n  - a\n  - b\n', 'hello-node.yaml:2: setting "namespace" must be one value, not a list'],
    ['environments inside an environment', 'environments:\n  staging:\n    environments: {}\n', 'hello-node.yaml:3: "environments" belongs at the top level, not inside an environment'],
    ['an environment name that is no DNS label', 'environments:\n  Staging_1: {namespace: a}\n', 'hello-node.yaml:2: environment name "Staging_1" is invalid: '],
    ['an alias that names no anchor', 'environments:\n  staging:\n    namespace: &stg staging\n  production:\n    namespace: *prod\n', 'hello-node.yaml:5: alias *prod names no anchor (&prod) written before it'],
    ['a variable\'s name for a key', 'HELLO_NODE_REPLICAS: 2\n', 'hello-node.yaml:1: unknown setting "HELLO_NODE_REPLICAS" (the key of HELLO_NODE_REPLICAS is "replicas")'],
    ['a key near none', 'base: 1\n', 'hello-node.yaml:1: unknown setting "base" (the keys are the settings\' flags without --: docs/user-guide.md, "Configuration")'],
    ['a merge key that names the map it is in', 'environments:\n  staging: &s\n    namespace: staging\n    <<: *s\n', 'hello-node.yaml:4: a merge key (<<) names the map it is in'],
    ['an alias as a key, named by its own line', 'environments:\n  staging: &s {namespace: s}\n  production:\n    namespace: p\n    *s : 1\n', 'hello-node.yaml:5: setting keys must be names, not a map'],
    ['a merge key of a value', 'environments:\n  staging:\n    <<: staging\n', 'hello-node.yaml:3: a merge key (<<) takes a map or a list of maps, not a value'],
    ['two environments that would be one release', 'environments:\n  staging:\n    replicas: 1\n  production:\n    replicas: 5\n', 'hello-node.yaml:4: environments "staging" and "production" would deploy to the context\'s namespace through kubectl\'s current context, as one release: give each its own "namespace" or "context"'],
  ])('%s', (_, text, line) => {
    const message = messageOf(() => readSettingsFile(project(text)));
    expect(message.startsWith(line)).toBe(true);
    expect(message).not.toContain('\n');
  });

  test('a file that cannot be read names why: a directory, a symlink to nothing, text that is not UTF-8', () => {
    const dir = project();
    fs.mkdirSync(path.join(dir, SETTINGS_FILE));
    expect(messageOf(() => readSettingsFile(dir))).toBe('hello-node.yaml: cannot be read (EISDIR)');
    const linked = project();
    fs.symlinkSync('/nowhere/settings.yaml', path.join(linked, SETTINGS_FILE));
    expect(messageOf(() => readSettingsFile(linked))).toBe('hello-node.yaml: cannot be read: it is a symlink to /nowhere/settings.yaml, which does not exist');
    const latin1 = project();
    fs.writeFileSync(path.join(latin1, SETTINGS_FILE), Buffer.from('namespace: caf\xe9\n', 'latin1'));
    expect(messageOf(() => readSettingsFile(latin1))).toBe('hello-node.yaml: is not UTF-8 text');
  });

  test('a value of the wrong type or out of range: the same rule, in the same words, as its variable, named by its line', () => {
    const fromFile = messageOf(() => loadAppSettings(settingsLookup(project('namespace: a\nreplicas: two\n'), {}).lookup));
    const fromVariable = messageOf(() => loadAppSettings(settingsLookup(project(), { HELLO_NODE_REPLICAS: 'two' }).lookup));
    expect(fromFile.startsWith('hello-node.yaml:2 replicas: "two" is invalid: ')).toBe(true);
    expect(fromFile.split(' is invalid: ')[1]).toBe(fromVariable.split(' is invalid: ')[1]);
    expect(messageOf(() => loadClusterSettings(settingsLookup(project('zone: us-central1\n'), {}).lookup)))
      .toBe(messageOf(() => loadClusterSettings(settingsLookup(project(), { GKE_ZONE: 'us-central1' }).lookup)).replace('environment variable GKE_ZONE', 'hello-node.yaml:1 zone'));
  });

  test('settings that are each valid but not together name their lines', () => {
    expect(messageOf(() => loadAppSettings(settingsLookup(project('static-ip: web-ip\n'), {}).lookup))).toMatch(/^hello-node\.yaml:1 static-ip: "web-ip" is invalid: /);
  });

  test.each([
    ['the --env flag', undefined, 'prod', 'flag --env: "prod" is invalid: must be an environment of hello-node.yaml: hello-node.yaml defines "staging", "production"; did you mean "production"?'],
    ['HELLO_NODE_ENV', 'stagin', undefined, 'environment variable HELLO_NODE_ENV: "stagin" is invalid: must be an environment of hello-node.yaml: hello-node.yaml defines "staging", "production"; did you mean "staging"?'],
  ])('an unknown environment named by %s', (_, variable, flag, message) => {
    expect(messageOf(() => settingsLookup(project(TWO_ENVIRONMENTS), variable ? { HELLO_NODE_ENV: variable } : {}, undefined, flag))).toBe(message);
  });

  test('an environment named where there is no file, or a file without environments', () => {
    expect(messageOf(() => settingsLookup(project(), { HELLO_NODE_ENV: 'staging' }))).toMatch(/^environment variable HELLO_NODE_ENV: "staging" is invalid: names an environment of hello-node\.yaml, and the project has none/);
    expect(messageOf(() => settingsLookup(project('replicas: 2\n'), {}, undefined, 'staging'))).toBe('flag --env: "staging" is invalid: must be an environment of hello-node.yaml: hello-node.yaml defines none (under "environments:")');
  });
});
