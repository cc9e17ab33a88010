import { fromEnv, isGoogleRegistry, SETTING_NAMES, loadAppSettings, loadClusterSettings, registryOf, settingsTable } from './settings';
import { HELLO_NODE_APP_DEFAULTS } from './internal';
import { HelloNodeSettings } from './hello-node-settings';
import { Profile } from './profile';
import { validationErrorOf } from '../test/errors';

const load = (env: Record<string, string>) => loadAppSettings(fromEnv(env));
const loadCluster = (env: Record<string, string>) => loadClusterSettings(fromEnv(env));

describe('loadAppSettings', () => {
  test('with no variables set reproduces the tutorial, whose image is the construct\'s default', () => {
    expect(load({})).toEqual({
      gcpProject: 'terrycho-sandbox',
      imageRegistry: 'gcr.io',
      image: HELLO_NODE_APP_DEFAULTS.image,
      imageSource: 'IMAGE_REGISTRY, GCP_PROJECT and IMAGE_TAG',
      props: {},
    });
  });

  test('checks only the app\'s settings: a cluster setting, even a bad one, is not its concern', () => {
    expect(() => load({ GKE_ZONE: 'us-central1', GKE_CLUSTER: 'Bad Name' })).not.toThrow();
  });

  test('composes the image from registry, project and tag', () => {
    const settings = load({ GCP_PROJECT: 'my-project-1', IMAGE_REGISTRY: 'asia.gcr.io', IMAGE_TAG: 'v2.1' });
    expect(settings.image).toBe('asia.gcr.io/my-project-1/hello-node:v2.1');
  });

  test('HELLO_NODE_IMAGE overrides the composed image', () => {
    expect(load({ HELLO_NODE_IMAGE: 'localhost:5000/web@sha256:' + 'a'.repeat(64), IMAGE_TAG: 'v9' }).image)
      .toBe('localhost:5000/web@sha256:' + 'a'.repeat(64));
  });

  test('reads replicas, namespace, service type, workload and profile, and hands them to the construct', () => {
    const props = HelloNodeSettings.fromEnvironment({
      HELLO_NODE_REPLICAS: '0',
      HELLO_NODE_NAMESPACE: 'prod',
      HELLO_NODE_SERVICE_TYPE: 'NodePort',
      HELLO_NODE_WORKLOAD: 'Deployment',
      HELLO_NODE_PROFILE: 'production',
    });
    expect(props).toEqual({ replicas: 0, namespace: 'prod', serviceType: 'NodePort', workload: 'Deployment', profile: 'production' });
  });

  test.each([
    ['HELLO_NODE_WORKLOAD', 'deployment', 'must be one of ReplicationController, Deployment'],
    ['HELLO_NODE_PROFILE', 'prod', 'must be one of tutorial, production'],
  ])('refuses %s=%s', (name, value, rule) => {
    const err = validationErrorOf(() => load({ [name]: value }));
    expect(err.subject).toBe(`environment variable ${name}`);
    expect(err.rule).toBe(rule);
  });

  test('treats an empty variable as unset', () => {
    expect(load({ GCP_PROJECT: '', HELLO_NODE_REPLICAS: '' })).toEqual(load({}));
  });

  test('composes an Artifact Registry image with its repository', () => {
    const settings = load({ IMAGE_REGISTRY: 'asia-northeast1-docker.pkg.dev', IMAGE_REPOSITORY: 'apps', GCP_PROJECT: 'my-project' });
    expect(settings.image).toBe('asia-northeast1-docker.pkg.dev/my-project/apps/hello-node:v1');
    expect(settings.imageRegistry).toBe('asia-northeast1-docker.pkg.dev');
  });

  test('an Artifact Registry host without IMAGE_REPOSITORY is an error naming both', () => {
    const err = validationErrorOf(() => load({ IMAGE_REGISTRY: 'us-docker.pkg.dev' }));
    expect(err.subject).toBe('environment variable IMAGE_REGISTRY');
    expect(err.rule).toContain('set IMAGE_REPOSITORY');
  });

  test('IMAGE_REPOSITORY with a gcr.io host is an error', () => {
    const err = validationErrorOf(() => load({ IMAGE_REPOSITORY: 'apps' }));
    expect(err.subject).toBe('environment variable IMAGE_REPOSITORY');
    expect(err.rule).toContain('only to Artifact Registry hosts');
  });

  test('takes the registry of HELLO_NODE_IMAGE from the image itself', () => {
    expect(load({ HELLO_NODE_IMAGE: 'eu.gcr.io/p/x:v1' }).imageRegistry).toBe('eu.gcr.io');
  });

  describe('rejects a bad value, naming the variable', () => {
    test.each([
      ['GCP_PROJECT', 'short', 'Google Cloud project id'],
      ['GCP_PROJECT', 'a'.repeat(31), 'Google Cloud project id'],
      ['GCP_PROJECT', 'Terrycho-sandbox', 'Google Cloud project id'],
      ['GCP_PROJECT', 'project-', 'Google Cloud project id'],
      ['GCP_PROJECT', '1project', 'Google Cloud project id'],
      ['IMAGE_REGISTRY', 'https://gcr.io', 'registry host name'],
      ['IMAGE_TAG', '-v1', 'image tag'],
      ['HELLO_NODE_IMAGE', 'Gcr.io/x/Y', 'image reference'],
      ['HELLO_NODE_REPLICAS', 'three', 'integer from 0 to 2147483647'],
      ['HELLO_NODE_REPLICAS', '-1', 'integer from 0 to 2147483647'],
      ['HELLO_NODE_REPLICAS', '1e3', 'integer from 0 to 2147483647'],
      ['HELLO_NODE_REPLICAS', '0x10', 'integer from 0 to 2147483647'],
      ['HELLO_NODE_REPLICAS', ' 3', 'integer from 0 to 2147483647'],
      ['HELLO_NODE_REPLICAS', '2147483648', 'integer from 0 to 2147483647'],
      ['HELLO_NODE_NAMESPACE', 'Prod', 'DNS-1123 label'],
      ['HELLO_NODE_SERVICE_TYPE', 'loadbalancer', 'one of ClusterIP, NodePort, LoadBalancer'],
    ])('%s=%j', (name, value, rule) => {
      const err = validationErrorOf(() => load({ [name]: value }));
      expect(err.subject).toBe(`environment variable ${name}`);
      expect(err.value).toBe(value);
      expect(err.rule).toContain(rule);
    });

    test('GCP_PROJECT boundaries: 6 and 30 characters are accepted', () => {
      expect(load({ GCP_PROJECT: 'abcdef' }).gcpProject).toBe('abcdef');
      expect(load({ GCP_PROJECT: 'a'.repeat(30) }).gcpProject).toHaveLength(30);
    });

    test('IMAGE_REPOSITORY must be a repository id', () => {
      const err = validationErrorOf(() => load({ IMAGE_REGISTRY: 'us-docker.pkg.dev', IMAGE_REPOSITORY: 'Apps' }));
      expect(err.subject).toBe('environment variable IMAGE_REPOSITORY');
      expect(err.rule).toContain('Artifact Registry repository id');
    });

    test('HELLO_NODE_REPLICAS boundary: 2147483647 is accepted', () => {
      expect(load({ HELLO_NODE_REPLICAS: '2147483647' }).props.replicas).toBe(2147483647);
    });
  });
});

describe('loadClusterSettings', () => {
  test('defaults to the tutorial\'s zonal cluster', () => {
    expect(loadCluster({})).toEqual({ gcpProject: 'terrycho-sandbox', cluster: 'hello-node', location: { kind: 'zone', name: 'asia-northeast1-c' } });
  });

  test('GKE_REGION makes it a regional cluster', () => {
    expect(loadCluster({ GKE_REGION: 'us-central1' }).location).toEqual({ kind: 'region', name: 'us-central1' });
  });

  test('a region in GKE_ZONE is refused with a pointer to GKE_REGION', () => {
    const err = validationErrorOf(() => loadCluster({ GKE_ZONE: 'us-central1' }));
    expect(err.subject).toBe('environment variable GKE_ZONE');
    expect(err.rule).toContain('this is a region: set GKE_REGION (or --region)');
  });

  test('a zone and a region together are refused, naming both', () => {
    const err = validationErrorOf(() => loadCluster({ GKE_ZONE: 'us-central1-a', GKE_REGION: 'us-central1' }));
    expect(err.subject).toBe('environment variable GKE_ZONE and environment variable GKE_REGION');
  });

  test('does not read the image settings', () => {
    expect(() => loadCluster({ IMAGE_TAG: '-bad', HELLO_NODE_REPLICAS: 'many' })).not.toThrow();
  });

  test.each([
    ['GKE_CLUSTER', 'Terry', 'GKE cluster name'],
    ['GKE_CLUSTER', 'c'.repeat(41), 'GKE cluster name'],
    ['GKE_CLUSTER', 'x;rm -rf /', 'GKE cluster name'],
    ['GKE_ZONE', 'asia-northeast1-c --project=evil', 'Google Cloud zone'],
    ['GKE_REGION', 'asia-northeast1-c', 'Google Cloud region'],
    ['GCP_PROJECT', 'short', 'Google Cloud project id'],
  ])('rejects %s=%j, naming the variable', (name, value, rule) => {
    const err = validationErrorOf(() => loadCluster({ [name]: value }));
    expect(err.subject).toBe(`environment variable ${name}`);
    expect(err.rule).toContain(rule);
  });

  test('GKE_CLUSTER boundary: 40 characters are accepted', () => {
    expect(loadCluster({ GKE_CLUSTER: 'c'.repeat(40) }).cluster).toHaveLength(40);
  });
});

describe('registryOf', () => {
  test.each([
    ['gcr.io/p/hello-node:v1', 'gcr.io'],
    ['us-docker.pkg.dev/p/r/hello-node:v1', 'us-docker.pkg.dev'],
    ['localhost:5000/x', 'localhost:5000'],
    ['localhost/x', 'localhost'],
    ['library/node:24', 'docker.io'],
    ['node', 'docker.io'],
  ])('%s is on %s', (image, host) => {
    expect(registryOf(image)).toBe(host);
  });
});

describe('isGoogleRegistry', () => {
  test.each(['gcr.io', 'asia.gcr.io', 'us-docker.pkg.dev', 'asia-northeast1-docker.pkg.dev'])('%s is', (host) => {
    expect(isGoogleRegistry(host)).toBe(true);
  });
  test.each(['docker.io', 'localhost:5000', 'evilgcr.io', 'pkg.dev', 'gcr.io.evil.com'])('%s is not', (host) => {
    expect(isGoogleRegistry(host)).toBe(false);
  });
});

describe('HelloNodeSettings.fromEnvironment', () => {
  test('gives no prop for a setting that is not set, so the app\'s own props and the defaults stay', () => {
    expect(HelloNodeSettings.fromEnvironment({})).toEqual({});
    expect(HelloNodeSettings.fromEnvironment({ HELLO_NODE_REPLICAS: '' })).toEqual({});
  });

  test('gives the image whole from HELLO_NODE_IMAGE, or composed when any image setting is set', () => {
    expect(HelloNodeSettings.fromEnvironment({ HELLO_NODE_IMAGE: 'example.com/shop@sha256:' + 'a'.repeat(64) }).image).toBe('example.com/shop@sha256:' + 'a'.repeat(64));
    expect(HelloNodeSettings.fromEnvironment({ GCP_PROJECT: 'shop-123' }).image).toBe('gcr.io/shop-123/hello-node:v1');
    expect(HelloNodeSettings.fromEnvironment({ IMAGE_TAG: 'v2' }).image).toBe(HELLO_NODE_APP_DEFAULTS.image.replace(':v1', ':v2'));
  });

  test('refuses a bad value naming its variable', () => {
    expect(() => HelloNodeSettings.fromEnvironment({ HELLO_NODE_REPLICAS: 'five' })).toThrow('environment variable HELLO_NODE_REPLICAS: "five"');
  });

  test('appliedTo: a setting wins over the app\'s prop, a count replaces autoscaling and autoscaling a count, and a composed image never replaces the app\'s own', () => {
    const own = { name: 'shop', replicas: 2, image: 'registry.example/shop:v7' };
    expect(HelloNodeSettings.appliedTo(own, { HELLO_NODE_REPLICAS: '5', GCP_PROJECT: 'shop-123' })).toEqual({ ...own, replicas: 5 });
    expect(HelloNodeSettings.appliedTo({ name: 'shop', replicas: 2 }, { GCP_PROJECT: 'shop-123' }).image).toBe('gcr.io/shop-123/hello-node:v1');
    expect(HelloNodeSettings.appliedTo(own, { HELLO_NODE_IMAGE: 'registry.example/shop@sha256:' + 'a'.repeat(64) }).image).toBe('registry.example/shop@sha256:' + 'a'.repeat(64));
    expect(HelloNodeSettings.appliedTo({ ...own, profile: Profile.PRODUCTION }, { HELLO_NODE_MAX_REPLICAS: '5', HELLO_NODE_PROFILE: 'production' })).toEqual({ ...own, profile: Profile.PRODUCTION, replicas: undefined, autoscaling: { maxReplicas: 5 } });
    expect(HelloNodeSettings.appliedTo({ autoscaling: { maxReplicas: 5 } }, { HELLO_NODE_REPLICAS: '4' })).toEqual({ replicas: 4, autoscaling: undefined });
  });

  test('reads process.env when given no variables', () => {
    const saved = process.env.HELLO_NODE_NAMESPACE;
    process.env.HELLO_NODE_NAMESPACE = 'from-process';
    try {
      expect(HelloNodeSettings.fromEnvironment().namespace).toBe('from-process');
    } finally {
      if (saved === undefined) {
        delete process.env.HELLO_NODE_NAMESPACE;
      } else {
        process.env.HELLO_NODE_NAMESPACE = saved;
      }
    }
  });
});

describe('settingsTable', () => {
  const rows = settingsTable().split('\n').slice(2);

  test('has a row for every setting: its variable, flag, key in hello-node.yaml, default and meaning', () => {
    expect(rows).toHaveLength(SETTING_NAMES.length);
    expect(rows).toContain('| `GKE_ZONE` | `--zone <zone>` | `zone` | `asia-northeast1-c` | GKE cluster zone, for a zonal cluster |');
  });

  test('a setting of a prop shows the construct\'s default, and one with no default says none', () => {
    expect(rows.find((row) => row.startsWith('| `HELLO_NODE_REPLICAS` |'))).toContain(`| \`${HELLO_NODE_APP_DEFAULTS.replicas}\` |`);
    expect(rows.find((row) => row.startsWith('| `HELLO_NODE_NAMESPACE` |'))).toContain('| `none` |');
  });

  test('a setting of an autoscaling field shows that field\'s default', () => {
    expect(rows.find((row) => row.startsWith('| `HELLO_NODE_TARGET_CPU` |'))).toContain('| `70` |');
    expect(rows.find((row) => row.startsWith('| `HELLO_NODE_MIN_REPLICAS` |'))).toContain('| `1` |');
    expect(rows.find((row) => row.startsWith('| `HELLO_NODE_MAX_REPLICAS` |'))).toContain('| `none` |');
  });
});

describe('loadAppSettings checks the settings together, as the construct checks its props', () => {
  test.each([
    [{ HELLO_NODE_STATIC_IP: 'shop-ip' }, 'environment variable HELLO_NODE_STATIC_IP', 'needs a domain'],
    [{ HELLO_NODE_DOMAIN: 'shop.example.com', HELLO_NODE_SERVICE_TYPE: 'LoadBalancer' }, 'environment variable HELLO_NODE_SERVICE_TYPE', 'may not be LoadBalancer with a domain'],
    [{ HELLO_NODE_MIN_REPLICAS: '2' }, 'environment variable HELLO_NODE_MIN_REPLICAS', 'needs HELLO_NODE_MAX_REPLICAS (or --max-replicas) as well'],
    [{ HELLO_NODE_MAX_REPLICAS: '2', HELLO_NODE_MIN_REPLICAS: '3', HELLO_NODE_PROFILE: 'production' }, 'environment variable HELLO_NODE_MAX_REPLICAS', 'must be at least minReplicas (3)'],
    [{ HELLO_NODE_MAX_REPLICAS: '5', HELLO_NODE_TARGET_CPU: '50' }, 'environment variable HELLO_NODE_MAX_REPLICAS and environment variable HELLO_NODE_TARGET_CPU', 'needs a CPU request'],
    [{ HELLO_NODE_MAX_REPLICAS: '5', HELLO_NODE_REPLICAS: '3', HELLO_NODE_PROFILE: 'production' }, 'environment variable HELLO_NODE_REPLICAS', 'may not be set with autoscaling'],
    [{ HELLO_NODE_MAX_REPLICAS: '5', HELLO_NODE_TARGET_CPU: '0x10', HELLO_NODE_PROFILE: 'production' }, 'environment variable HELLO_NODE_TARGET_CPU', 'must be an integer from 1 to 2147483647'],
  ])('%j is refused, naming the variable', (env, subject, rule) => {
    const err = validationErrorOf(() => load(env));
    expect(err.subject).toBe(subject);
    expect(err.rule).toContain(rule);
  });

  test('autoscaling refused as a whole shows the values of its settings, not the object they made', () => {
    expect(validationErrorOf(() => load({ HELLO_NODE_MIN_REPLICAS: '2' })).message)
      .toBe('environment variable HELLO_NODE_MIN_REPLICAS: "2" is invalid: needs HELLO_NODE_MAX_REPLICAS (or --max-replicas) as well: the most pods the autoscaler runs');
    expect(validationErrorOf(() => load({ HELLO_NODE_MAX_REPLICAS: '5', HELLO_NODE_TARGET_CPU: '50' })).message)
      .toMatch(/^environment variable HELLO_NODE_MAX_REPLICAS and environment variable HELLO_NODE_TARGET_CPU: "5, 50" is invalid: needs a CPU request/);
  });

  test('the autoscaling settings make one autoscaling prop, each field from its own setting', () => {
    expect(load({ HELLO_NODE_MAX_REPLICAS: '10', HELLO_NODE_MIN_REPLICAS: '2', HELLO_NODE_TARGET_CPU: '60', HELLO_NODE_PROFILE: 'production' }).props)
      .toEqual({ profile: 'production', autoscaling: { minReplicas: 2, maxReplicas: 10, cpuUtilization: 60 } });
  });

  test('a domain makes the Service a ClusterIP by the construct\'s default, not by a setting', () => {
    expect(load({ HELLO_NODE_DOMAIN: 'shop.example.com' }).props).toEqual({ domain: 'shop.example.com' });
  });
});
