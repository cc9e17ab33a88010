import { JsonPatch, Testing } from 'cdk8s';
import { LabeledService, Protocol, ServiceType } from '.';
import { validationErrorOf } from '../test/errors';
import { validateAgainstSchema } from '../test/kube-schema';

function synth(props: ConstructorParameters<typeof LabeledService>[2]) {
  const chart = Testing.chart();
  const service = new LabeledService(chart, 'svc', props);
  return { service, manifests: Testing.synth(chart) };
}

describe('LabeledService', () => {
  test('by default forwards TCP port 80 to 8080 on a cluster-internal IP, opening no load balancer', () => {
    const { manifests } = synth({ selector: { app: 'web' } });
    expect(manifests).toHaveLength(1);
    expect(manifests[0].spec).toEqual({
      selector: { app: 'web' },
      ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }],
      type: 'ClusterIP',
    });
  });

  test('refuses the kubelet\'s port 10250 on a LoadBalancer, as the API server does', () => {
    const err = validationErrorOf(() => synth({ selector: { a: 'b' }, type: ServiceType.LOAD_BALANCER, port: 10250 }));
    expect(err.subject).toBe('LabeledService "test/svc" prop "port"');
    expect(err.rule).toContain('may not be 10250 on a LoadBalancer Service');
  });

  test.each([ServiceType.CLUSTER_IP, ServiceType.NODE_PORT])('accepts port 10250 on a %s Service, which the API server allows', (type) => {
    expect(synth({ selector: { a: 'b' }, type, port: 10250 }).manifests[0].spec.ports[0].port).toBe(10250);
  });

  test('selects pods by every label of its selector', () => {
    const { manifests } = synth({ selector: { app: 'web', tier: 'frontend' } });
    expect(manifests[0].spec.selector).toEqual({ app: 'web', tier: 'frontend' });
  });

  test('applies every prop', () => {
    const { manifests } = synth({
      selector: { app: 'web' },
      port: 443,
      targetPort: 'https',
      protocol: Protocol.UDP,
      type: ServiceType.NODE_PORT,
      name: 'web-svc',
      namespace: 'prod',
      labels: { team: 'a' },
    });
    expect(manifests[0]).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web-svc', namespace: 'prod', labels: { team: 'a' } },
      spec: {
        selector: { app: 'web' },
        ports: [{ port: 443, targetPort: 'https', protocol: 'UDP' }],
        type: 'NodePort',
      },
    });
    validateAgainstSchema(manifests);
  });

  test('exposes its name, selector, ports and type', () => {
    const { service } = synth({ selector: { app: 'web' }, name: 'web-svc', type: ServiceType.NODE_PORT });
    expect(service.name).toBe('web-svc');
    expect(service.selector).toEqual({ app: 'web' });
    expect(service.type).toBe('NodePort');
    expect(service.ports.map((p) => [p.port, p.targetPort?.value, p.protocol])).toEqual([[80, 8080, 'TCP']]);
  });

  test('is itself the Service API object, so cdk8s features such as JSON patches apply to it directly', () => {
    const chart = Testing.chart();
    const service = new LabeledService(chart, 'svc', { selector: { app: 'web' } });
    expect(service.apiObject).toBe(service);
    service.addJsonPatch(JsonPatch.add('/spec/externalTrafficPolicy', 'Local'));
    expect(Testing.synth(chart)[0].spec.externalTrafficPolicy).toBe('Local');
  });

  test('metadata gives the Service labels and annotations, as cdk8s-plus\'s metadata prop does', () => {
    const { manifests } = synth({ selector: { app: 'web' }, name: 'web', metadata: { labels: { team: 'shop' }, annotations: { 'cloud.google.com/neg': '{"ingress": true}' } } });
    expect(manifests[0].metadata).toEqual({ name: 'web', labels: { team: 'shop' }, annotations: { 'cloud.google.com/neg': '{"ingress": true}' } });
    validateAgainstSchema(manifests);
  });

  test.each([
    [{ labels: { a: 'b' }, metadata: { labels: { c: 'd' } } }, 'prop "metadata"', 'may not set labels beside the labels prop'],
    [{ metadata: { namespace: 'x' } }, 'prop "metadata" namespace', 'the name and namespace come from'],
    [{ metadata: { annotations: { '-x': 'y' } } }, 'prop "metadata" annotations key', 'label key\'s name'],
  ])('metadata %j is refused, naming it', (props, subject, rule) => {
    const err = validationErrorOf(() => synth({ selector: { app: 'web' }, ...props }));
    expect(err.subject).toBe(`LabeledService "test/svc" ${subject}`);
    expect(err.rule).toContain(rule);
  });

  test('a rejected Service leaves nothing behind in the chart', () => {
    const chart = Testing.chart();
    expect(() => new LabeledService(chart, 'svc', { selector: {} })).toThrow('must hold at least one label');
    expect(chart.node.children).toHaveLength(0);
    expect(Testing.synth(chart)).toEqual([]);
  });

  test('without a name gets a unique name from cdk8s', () => {
    const { service, manifests } = synth({ selector: { app: 'web' } });
    expect(service.name).toMatch(/^test-svc-c8[0-9a-f]{6}$/);
    expect(manifests[0].metadata.name).toBe(service.name);
  });

  test('its output passes the Kubernetes schema', () => {
    validateAgainstSchema(synth({ selector: { app: 'web' } }).manifests);
  });

  describe('rejects at construction, naming the construct and the prop', () => {
    test.each([
      ['selector', { selector: {} }, 'must hold at least one label'],
      ['selector', { selector: { 'bad key': 'x' } }, 'label key\'s name'],
      ['port', { selector: { a: 'b' }, port: 0 }, 'integer from 1 to 65535'],
      ['targetPort', { selector: { a: 'b' }, targetPort: 65536 }, 'integer from 1 to 65535'],
      ['targetPort', { selector: { a: 'b' }, targetPort: 'no--name' }, 'port name'],
      ['protocol', { selector: { a: 'b' }, protocol: 'tcp' as Protocol }, 'one of TCP, UDP, SCTP'],
      ['type', { selector: { a: 'b' }, type: 'ExternalName' as ServiceType }, 'one of ClusterIP, NodePort, LoadBalancer'],
      ['name', { selector: { a: 'b' }, name: '1web' }, 'DNS-1035 label'],
      ['name', { selector: { a: 'b' }, name: 'w'.repeat(64) }, 'DNS-1035 label: 1 to 63'],
      ['namespace', { selector: { a: 'b' }, namespace: 'Prod' }, 'DNS-1123 label'],
      ['labels', { selector: { a: 'b' }, labels: { team: 'bad value' } }, 'label value'],
    ])('%s: %j', (prop, props, rule) => {
      const err = validationErrorOf(() => synth(props));
      expect(err.subject).toMatch(new RegExp(`^LabeledService "test/svc" prop "${prop}"`));
      expect(err.rule).toContain(rule);
    });

    test('a name of 63 characters is accepted', () => {
      expect(synth({ selector: { a: 'b' }, name: 'w'.repeat(63) }).service.name).toHaveLength(63);
    });
  });
});
