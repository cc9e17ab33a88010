import {
  compareQuantities,
  checkDns1035Label,
  checkDns1123Label,
  checkHttpPath,
  checkImage,
  checkImageTag,
  checkLabelKey,
  checkLabels,
  checkLabelValue,
  checkOneOf,
  checkPort,
  checkPortName,
  checkPortOrName,
  checkQuantity,
  checkRegistryHost,
  checkReplicas,
  checkServicePort,
} from './validation';
import { validationErrorOf } from '../test/errors';

const S = 'Thing "t" prop "p"';

describe('ValidationError', () => {
  test('names the subject, the offending value and the rule', () => {
    const err = validationErrorOf(() => checkPort(S, 0));
    expect(err.message).toBe('Thing "t" prop "p": 0 is invalid: must be an integer from 1 to 65535');
    expect(err.subject).toBe(S);
    expect(err.value).toBe(0);
    expect(err.rule).toBe('must be an integer from 1 to 65535');
  });

  test('quotes string values so that empty and blank values are visible', () => {
    expect(validationErrorOf(() => checkDns1123Label(S, ' ')).message).toContain('" " is invalid');
  });
});

describe('checkDns1123Label', () => {
  test.each(['a', '0', 'a-b', 'a1', '1a', 'x'.repeat(63)])('accepts %j', (v) => {
    expect(checkDns1123Label(S, v)).toBe(v);
  });
  test.each(['', 'x'.repeat(64), 'A', 'a_b', '-a', 'a-', 'a.b', 'ä'])('rejects %j', (v) => {
    expect(validationErrorOf(() => checkDns1123Label(S, v)).rule).toMatch(/DNS-1123 label: 1 to 63 characters/);
  });
  test('rejects non-strings', () => {
    expect(validationErrorOf(() => checkDns1123Label(S, 5)).rule).toBe('must be a string');
  });
  test('honours a smaller maximum, both sides', () => {
    expect(checkDns1123Label(S, 'abcd', 4)).toBe('abcd');
    expect(validationErrorOf(() => checkDns1123Label(S, 'abcde', 4)).rule).toMatch(/1 to 4 characters/);
  });
});

describe('checkDns1035Label', () => {
  test.each(['a', 'a-b', 'a1', 'x'.repeat(63)])('accepts %j', (v) => {
    expect(checkDns1035Label(S, v)).toBe(v);
  });
  test.each(['', '1a', '0', 'x'.repeat(64), 'Ab', 'a-', 'a.b'])('rejects %j', (v) => {
    expect(validationErrorOf(() => checkDns1035Label(S, v)).rule).toMatch(/DNS-1035 label: 1 to 63 characters.*starting with a letter/);
  });
  test('honours a smaller maximum, both sides', () => {
    expect(checkDns1035Label(S, 'x'.repeat(59), 59)).toHaveLength(59);
    expect(validationErrorOf(() => checkDns1035Label(S, 'x'.repeat(60), 59)).rule).toMatch(/1 to 59 characters/);
  });
});

describe('checkLabelKey', () => {
  test.each(['app', 'a', 'A_b.c-d', 'x'.repeat(63), 'example.com/app', 'k8s.io/name', `${'p'.repeat(253)}/n`])('accepts %j', (k) => {
    expect(checkLabelKey(S, k)).toBe(k);
  });
  test.each(['', 'x'.repeat(64), '-app', 'app-', 'a b', 'app!', 'example.com/', 'example.com/-x', 'a/b/c', `p/${'x'.repeat(64)}`])('rejects name part of %j', (k) => {
    expect(validationErrorOf(() => checkLabelKey(S, k)).rule).toMatch(/label key's name .* 1 to 63 characters/);
  });
  test.each(['/app', 'Example.com/app', 'exa_mple.com/app', `${'p'.repeat(254)}/n`])('rejects prefix of %j', (k) => {
    expect(validationErrorOf(() => checkLabelKey(S, k)).rule).toMatch(/prefix .* DNS-1123 subdomain of at most 253/);
  });
});

describe('checkLabelValue', () => {
  test.each(['', 'hello-node', 'A.b_c', 'x'.repeat(63)])('accepts %j', (v) => {
    expect(checkLabelValue(S, v)).toBe(v);
  });
  test.each(['x'.repeat(64), '-a', 'a-', 'a b', 'a/b'])('rejects %j', (v) => {
    expect(validationErrorOf(() => checkLabelValue(S, v)).rule).toMatch(/label value must be empty or 1 to 63 characters/);
  });
  test('rejects non-strings', () => {
    expect(validationErrorOf(() => checkLabelValue(S, 1)).rule).toBe('must be a string');
  });
});

describe('checkLabels', () => {
  test('returns a frozen copy that later changes to the input do not reach', () => {
    const input: Record<string, string> = { app: 'x' };
    const checked = checkLabels(S, input, true);
    input.app = 'changed';
    expect(checked).toEqual({ app: 'x' });
    expect(Object.isFrozen(checked)).toBe(true);
  });
  test('rejects an empty set only when one is required', () => {
    expect(validationErrorOf(() => checkLabels(S, {}, true)).rule).toBe('must hold at least one label');
    expect(checkLabels(S, {}, false)).toEqual({});
  });
  test.each([null, 'app=x', ['app'], 3])('rejects %j, which is not a map', (v) => {
    expect(validationErrorOf(() => checkLabels(S, v, false)).rule).toBe('must be a map of label keys to label values');
  });
  test('names the offending key', () => {
    expect(validationErrorOf(() => checkLabels(S, { 'bad key': 'x' }, true)).subject).toBe(`${S} key`);
  });
  test('names the key whose value is bad', () => {
    const err = validationErrorOf(() => checkLabels(S, { app: 'bad value' }, true));
    expect(err.subject).toBe(`${S} value of "app"`);
    expect(err.value).toBe('bad value');
  });
});

describe('checkPort', () => {
  test.each([1, 80, 8080, 65535])('accepts %j', (v) => {
    expect(checkPort(S, v)).toBe(v);
  });
  test.each([0, 65536, -1, 80.5, Number.NaN, Infinity, '80', undefined])('rejects %j', (v) => {
    expect(validationErrorOf(() => checkPort(S, v)).rule).toBe('must be an integer from 1 to 65535');
  });
});

describe('checkServicePort', () => {
  test('refuses the kubelet\'s 10250 on a LoadBalancer only', () => {
    expect(validationErrorOf(() => checkServicePort(S, 10250, 'LoadBalancer')).rule).toContain('may not be 10250 on a LoadBalancer Service');
    expect(checkServicePort(S, 10250, 'NodePort')).toBe(10250);
    expect(checkServicePort(S, 10250, 'ClusterIP')).toBe(10250);
    expect(checkServicePort(S, 10251, 'LoadBalancer')).toBe(10251);
  });
  test('checks the port number first', () => {
    expect(validationErrorOf(() => checkServicePort(S, 0, 'ClusterIP')).rule).toBe('must be an integer from 1 to 65535');
  });
});

describe('checkQuantity', () => {
  test.each([
    ['100m', 0.1],
    ['0.5', 0.5],
    ['.5', 0.5],
    ['2', 2],
    ['128Mi', 128 * 2 ** 20],
    ['1Gi', 2 ** 30],
    ['1k', 1000],
    ['1M', 1e6],
    ['1e3', 1000],
    ['5E-1', 0.5],
    ['250u', 250e-6],
  ])('reads %j as %d', (text, value) => {
    expect(checkQuantity(S, text)).toBeCloseTo(value, 12);
  });
  test.each(['-1', '128MB', '1 Gi', '', 'Mi', '1.2.3', '0x10', 1])('rejects %j', (v) => {
    expect(validationErrorOf(() => checkQuantity(S, v)).rule).toMatch(/^must be (a non-negative Kubernetes quantity|a string)/);
  });
});

describe('checkHttpPath', () => {
  test.each(['/', '/healthz', '/a/b?c=d'])('accepts %j', (v) => {
    expect(checkHttpPath(S, v)).toBe(v);
  });
  test.each(['healthz', '', '/a b', 5])('rejects %j', (v) => {
    expect(() => checkHttpPath(S, v)).toThrow(S);
  });
});

describe('checkReplicas', () => {
  test.each([0, 1, 3, 2 ** 31 - 1])('accepts %j', (v) => {
    expect(checkReplicas(S, v)).toBe(v);
  });
  test.each([-1, 2 ** 31, 1.5, '3'])('rejects %j', (v) => {
    expect(validationErrorOf(() => checkReplicas(S, v)).rule).toBe('must be an integer from 0 to 2147483647');
  });
});

describe('checkPortName', () => {
  test.each(['http', 'a', 'web-1', '1a', 'x'.repeat(15)])('accepts %j', (v) => {
    expect(checkPortName(S, v)).toBe(v);
  });
  test.each(['', 'x'.repeat(16), '123', 'web--1', '-web', 'web-', 'Web', 'we_b'])('rejects %j', (v) => {
    expect(validationErrorOf(() => checkPortName(S, v)).rule).toMatch(/port name must be 1 to 15/);
  });
});

describe('checkPortOrName', () => {
  test('takes numbers as ports and strings as port names', () => {
    expect(checkPortOrName(S, 8080)).toBe(8080);
    expect(checkPortOrName(S, 'http')).toBe('http');
    expect(validationErrorOf(() => checkPortOrName(S, 70000)).rule).toMatch(/integer from 1 to 65535/);
    expect(validationErrorOf(() => checkPortOrName(S, '8080')).rule).toMatch(/port name/);
  });
});

describe('checkOneOf', () => {
  const allowed = ['ClusterIP', 'NodePort'] as const;
  test('accepts an allowed value', () => {
    expect(checkOneOf(S, 'NodePort', allowed)).toBe('NodePort');
  });
  test.each(['nodeport', '', 'ExternalName', 1])('rejects %j, listing the allowed values', (v) => {
    expect(validationErrorOf(() => checkOneOf(S, v, allowed)).rule).toBe('must be one of ClusterIP, NodePort');
  });
});

describe('checkImage', () => {
  const digest = `sha256:${'a'.repeat(64)}`;
  test.each([
    'gcr.io/terrycho-sandbox/hello-node:v1',
    'hello-node',
    'library/node:20.18.1-bookworm-slim',
    'us-docker.pkg.dev/my-project/my-repo/hello-node:v1',
    'localhost:5000/hello_node__x.y-z:latest',
    '[::1]:5000/app:v1',
    `gcr.io/p/hello-node@${digest}`,
    `gcr.io/p/hello-node:v1@${digest}`,
    `app:${'t'.repeat(128)}`,
    'My.Registry.io/app:v1',
  ])('accepts %j', (v) => {
    expect(checkImage(S, v)).toBe(v);
  });
  test.each([
    '',
    'Hello-Node:v1',
    'gcr.io/Project/app:v1',
    `app:${'t'.repeat(129)}`,
    'app:.v1',
    'app:-v1',
    'app:v1 ',
    'app::v1',
    'app-:v1',
    'a..b:v1',
    '/app:v1',
    'app/',
    `app@sha256:${'a'.repeat(31)}`,
    'app@sha256:xyz',
    'gcr.io/p/app:v1; rm -rf /',
  ])('rejects %j', (v) => {
    expect(validationErrorOf(() => checkImage(S, v)).rule).toMatch(/image reference/);
  });
  test('limits registry and repository together to 255 characters, both sides', () => {
    const repo = (n: number) => `r/${'a'.repeat(n - 2)}`;
    expect(checkImage(S, `${repo(255)}:v1`)).toHaveLength(258);
    expect(validationErrorOf(() => checkImage(S, `${repo(256)}:v1`)).rule).toMatch(/at most 255 characters/);
  });
});

describe('checkRegistryHost', () => {
  test.each(['gcr.io', 'asia-northeast1-docker.pkg.dev', 'localhost:5000', 'registry'])('accepts %j', (v) => {
    expect(checkRegistryHost(S, v)).toBe(v);
  });
  test.each(['', 'gcr.io/', 'https://gcr.io', '-gcr.io', 'gcr..io', 'gcr.io:port'])('rejects %j', (v) => {
    expect(validationErrorOf(() => checkRegistryHost(S, v)).rule).toMatch(/registry host name/);
  });
});

describe('checkImageTag', () => {
  test.each(['v1', 'V1.2_3-rc', '1', 't'.repeat(128)])('accepts %j', (v) => {
    expect(checkImageTag(S, v)).toBe(v);
  });
  test.each(['', '.v1', '-v1', 't'.repeat(129), 'v1/x', 'v 1'])('rejects %j', (v) => {
    expect(validationErrorOf(() => checkImageTag(S, v)).rule).toMatch(/image tag: 1 to 128/);
  });
});

describe('compareQuantities', () => {
  test.each([
    ['700m', '0.7', 0], ['350m', '0.35', 0], ['2050k', '2.05M', 0], ['1Ki', '1024', 0], ['1e3', '1k', 0], ['100m', '1e-1', 0],
    ['128Mi', '134217728', 0], ['1Mi', '1M', 1], ['999m', '1', -1], ['0.1', '99m', 1],
  ])('%s vs %s: %d', (a, b, expected) => {
    expect(compareQuantities(a as string, b as string)).toBe(expected);
  });
});
