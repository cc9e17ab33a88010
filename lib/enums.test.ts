import * as kplus from 'cdk8s-plus-27';
import { Testing } from 'cdk8s';
import { HelloNodeApp, HelloNodeAppProps, ImagePullPolicy, LabeledService, Protocol, ServiceType } from '.';

// TypeScript's enums are nominal, so cdk8s-plus-27's members no longer type-check where
// ours are expected (the price of enums that jsii keeps for Python, Java, Go and .NET).
// Their values are the same, so JavaScript callers and anyone who casts still get them.
describe('the enums hold cdk8s-plus-27\'s values', () => {
  test.each([
    ['ImagePullPolicy', ImagePullPolicy, kplus.ImagePullPolicy],
    ['Protocol', Protocol, kplus.Protocol],
    ['ServiceType', ServiceType, Object.fromEntries(Object.entries(kplus.ServiceType).filter(([key]) => key !== 'EXTERNAL_NAME'))],
  ])('%s', (_name, ours, theirs) => {
    expect({ ...ours }).toEqual({ ...theirs });
  });

  test('a cdk8s-plus-27 member passed at run time is taken as ours', () => {
    const chart = Testing.chart();
    const props = { serviceType: kplus.ServiceType.NODE_PORT, imagePullPolicy: kplus.ImagePullPolicy.NEVER } as unknown as HelloNodeAppProps;
    new HelloNodeApp(chart, 'app', props);
    new LabeledService(chart, 'svc', { selector: { app: 'x' }, protocol: kplus.Protocol.UDP as unknown as Protocol });
    const [workload, service, labeled] = Testing.synth(chart);
    expect(workload.spec.template.spec.containers[0].imagePullPolicy).toBe('Never');
    expect(service.spec.type).toBe('NodePort');
    expect(labeled.spec.ports[0].protocol).toBe('UDP');
  });
});
