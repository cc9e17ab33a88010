import { fromEnv, helloNodeAppProps, loadSettings, SETTING_NAMES } from './settings';
import { validationErrorOf } from '../test/errors';

const load = (env: Record<string, string>) => loadSettings(fromEnv(env));

describe('loadSettings', () => {
  test('with no variables set reproduces the tutorial', () => {
    expect(load({})).toEqual({
      gcpProject: 'terrycho-sandbox',
      imageRegistry: 'gcr.io',
      imageTag: 'v1',
      image: 'gcr.io/terrycho-sandbox/hello-node:v1',
      replicas: undefined,
      namespace: undefined,
      serviceType: undefined,
    });
  });

  test('composes the image from registry, project and tag', () => {
    const settings = load({ GCP_PROJECT: 'my-project-1', IMAGE_REGISTRY: 'asia.gcr.io', IMAGE_TAG: 'v2.1' });
    expect(settings.image).toBe('asia.gcr.io/my-project-1/hello-node:v2.1');
  });

  test('HELLO_NODE_IMAGE overrides the composed image', () => {
    expect(load({ HELLO_NODE_IMAGE: 'localhost:5000/web@sha256:' + 'a'.repeat(64), IMAGE_TAG: 'v9' }).image)
      .toBe('localhost:5000/web@sha256:' + 'a'.repeat(64));
  });

  test('reads replicas, namespace and service type', () => {
    const settings = load({ HELLO_NODE_REPLICAS: '0', HELLO_NODE_NAMESPACE: 'prod', HELLO_NODE_SERVICE_TYPE: 'NodePort' });
    expect(settings).toMatchObject({ replicas: 0, namespace: 'prod', serviceType: 'NodePort' });
  });

  test('treats an empty variable as unset', () => {
    expect(load({ GCP_PROJECT: '', HELLO_NODE_REPLICAS: '' })).toEqual(load({}));
  });

  test('knows every documented variable', () => {
    expect([...SETTING_NAMES].sort()).toEqual([
      'GCP_PROJECT', 'HELLO_NODE_IMAGE', 'HELLO_NODE_NAMESPACE', 'HELLO_NODE_REPLICAS',
      'HELLO_NODE_SERVICE_TYPE', 'IMAGE_REGISTRY', 'IMAGE_TAG',
    ]);
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

    test('HELLO_NODE_REPLICAS boundary: 2147483647 is accepted', () => {
      expect(load({ HELLO_NODE_REPLICAS: '2147483647' }).replicas).toBe(2147483647);
    });
  });
});

describe('helloNodeAppProps', () => {
  test('passes the image and leaves unset settings to the construct\'s defaults', () => {
    expect(helloNodeAppProps(load({}))).toEqual({
      image: 'gcr.io/terrycho-sandbox/hello-node:v1',
      replicas: undefined,
      namespace: undefined,
      serviceType: undefined,
    });
  });
});
