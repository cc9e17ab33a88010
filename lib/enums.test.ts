import * as kplus from 'cdk8s-plus-27';
import * as kplus33 from 'cdk8s-plus-33';
import { Testing } from 'cdk8s';
import { HelloNodeApp, HelloNodeAppProps, ImagePullPolicy, LabeledService, LabeledServiceProps, Protocol, ServiceType } from '.';

// TypeScript's enums are nominal: the props take the enum or its value's string, so that
// cdk8s-plus's members (27, the design card's, and 33, which `cdk8s init` installs today)
// type-check where ours are expected.
describe.each([
  ['cdk8s-plus-27', kplus],
  ['cdk8s-plus-33', kplus33],
])('the enums take %s\'s values', (_version, plus) => {
  test.each([
    ['ImagePullPolicy', ImagePullPolicy, plus.ImagePullPolicy],
    ['Protocol', Protocol, plus.Protocol],
    ['ServiceType', ServiceType, Object.fromEntries(Object.entries(plus.ServiceType).filter(([key]) => key !== 'EXTERNAL_NAME'))],
  ])('%s has the same members and values', (_name, ours, theirs) => {
    expect({ ...ours }).toEqual({ ...theirs });
  });

  test('a member passed as a prop gives the same output as ours', () => {
    const synth = (props: HelloNodeAppProps, protocol: LabeledServiceProps['protocol']) => {
      const chart = Testing.chart();
      new HelloNodeApp(chart, 'app', props);
      new LabeledService(chart, 'svc', { selector: { app: 'x' }, protocol, type: props.serviceType });
      return Testing.synth(chart);
    };
    expect(synth({ serviceType: plus.ServiceType.NODE_PORT, imagePullPolicy: plus.ImagePullPolicy.NEVER }, plus.Protocol.UDP))
      .toEqual(synth({ serviceType: ServiceType.NODE_PORT, imagePullPolicy: ImagePullPolicy.NEVER }, Protocol.UDP));
  });

  test('ExternalName, which the library does not write, does not type-check, and from JavaScript is refused in one line naming the prop', () => {
    // @ts-expect-error: not one of the values the prop's type allows
    expect(() => new HelloNodeApp(Testing.chart(), 'app', { serviceType: plus.ServiceType.EXTERNAL_NAME }))
      .toThrow('HelloNodeApp "test/app" prop "serviceType": "ExternalName" is invalid: must be one of ClusterIP, NodePort, LoadBalancer');
    // @ts-expect-error: not one of the values the prop's type allows
    expect(() => new LabeledService(Testing.chart(), 'svc', { selector: { app: 'x' }, type: plus.ServiceType.EXTERNAL_NAME }))
      .toThrow('LabeledService "test/svc" prop "type": "ExternalName" is invalid: must be one of ClusterIP, NodePort, LoadBalancer');
  });

  test('the plain strings of the values type-check and give the same output', () => {
    const chart = Testing.chart();
    new HelloNodeApp(chart, 'app', { serviceType: 'NodePort', imagePullPolicy: 'Never' });
    new LabeledService(chart, 'svc', { selector: { app: 'x' }, protocol: 'UDP', type: 'NodePort' });
    const [workload, service, labeled] = Testing.synth(chart);
    expect([workload.spec.template.spec.containers[0].imagePullPolicy, service.spec.type, labeled.spec.ports[0].protocol, labeled.spec.type]).toEqual(['Never', 'NodePort', 'UDP', 'NodePort']);
  });
});
