import { ApiObjectMetadata } from 'cdk8s';
import { Construct } from 'constructs';
import { IntOrString, KubeService, ServicePort } from '../imports/k8s';
import { Protocol, ServiceType } from './service-type';
import {
  checkDns1035Label,
  checkDns1123Label,
  checkEnum,
  checkLabels,
  checkMetadata,
  checkPortOrName,
  checkServicePort,
  propSubjects,
  ValidationError,
} from './validation';

/** Props for {@link LabeledService}. */
export interface LabeledServiceProps {
  /**
   * The labels of the pods this Service sends traffic to: it selects exactly the pods
   * that carry every one of them. Must hold at least one label, since an empty
   * selector would not select the pods of one app.
   */
  readonly selector: { [key: string]: string };

  /**
   * The port the Service listens on.
   *
   * @default 80
   */
  readonly port?: number;

  /**
   * The pods' port that traffic is forwarded to: a number, or the name of a
   * container port.
   *
   * @default 8080
   */
  readonly targetPort?: number | string;

  /**
   * The port's protocol. cdk8s-plus's `Protocol` (or the value's string, `'UDP'`)
   * passes as well, with the same output; any other value does not type-check, and is
   * refused at run time.
   *
   * @default Protocol.TCP
   */
  readonly protocol?: Protocol | `${Protocol}`;

  /**
   * How the Service is exposed. Kubernetes' own default, reachable only inside the
   * cluster: a public load balancer is opened only when asked for. cdk8s-plus's
   * `ServiceType` (or the value's string, `'NodePort'`) passes as well, with the same
   * output; `ExternalName` and any other value do not type-check, and are refused at
   * run time.
   *
   * @default ServiceType.CLUSTER_IP
   */
  readonly type?: ServiceType | `${ServiceType}`;

  /**
   * `metadata.name`: a DNS-1035 label, since it becomes the Service's DNS name.
   *
   * @default - a name cdk8s derives from the construct path, unique in the app
   */
  readonly name?: string;

  /**
   * `metadata.namespace`.
   *
   * @default - none: the namespace `kubectl` applies it to
   */
  readonly namespace?: string;

  /**
   * `metadata.labels` of the Service itself (not its selector).
   *
   * @default - no labels
   */
  readonly labels?: { [key: string]: string };

  /**
   * Labels and annotations of the Service itself, as in cdk8s-plus. Its name and
   * namespace have props of their own, so setting them here (or any field other than
   * labels and annotations) is an error, as are labels here beside the `labels` prop.
   *
   * @default - none
   */
  readonly metadata?: ApiObjectMetadata;
}

/** The defaults of {@link LabeledServiceProps}: the reference workflow's ports, and Kubernetes' default type. */
const LABELED_SERVICE_DEFAULTS = {
  port: 80,
  targetPort: 8080,
  protocol: Protocol.TCP,
  type: ServiceType.CLUSTER_IP,
} as const;

/**
 * A Service that selects pods by a label set and forwards one port to them:
 * by default port 80 to the pods' 8080 over TCP, on a cluster-internal IP.
 *
 * Every prop is checked before the construct is created, against the API server's
 * rules, and a bad one throws a `ValidationError` that names it.
 *
 * It is the Service API object itself (a `KubeService`), not a wrapper around one:
 * a chart of thousands of apps holds one construct per object, not two.
 */
export class LabeledService extends KubeService {
  /** The Kubernetes Service: this construct itself, for symmetry with cdk8s-plus's `apiObject` handles. */
  public readonly apiObject: KubeService;

  /** The labels that select the Service's pods. */
  public readonly selector: { [key: string]: string };

  /** The Service's ports, as written to its spec. */
  public readonly ports: ServicePort[];

  /** How the Service is exposed. */
  public readonly type: ServiceType;

  constructor(scope: Construct, id: string, props: LabeledServiceProps) {
    const prop = propSubjects('LabeledService', scope, id);
    // a JavaScript caller may pass no props at all: the selector's check then names what is missing
    props = props ?? {} as LabeledServiceProps;
    const selector = checkLabels(prop('selector'), props.selector, true);
    const type = checkEnum(prop('type'), props.type ?? LABELED_SERVICE_DEFAULTS.type, ServiceType);
    const port = checkServicePort(prop('port'), props.port ?? LABELED_SERVICE_DEFAULTS.port, type);
    const targetPort = checkPortOrName(prop('targetPort'), props.targetPort ?? LABELED_SERVICE_DEFAULTS.targetPort);
    const protocol = checkEnum(prop('protocol'), props.protocol ?? LABELED_SERVICE_DEFAULTS.protocol, Protocol);
    const name = props.name === undefined ? undefined : checkDns1035Label(prop('name'), props.name);
    const namespace = props.namespace === undefined ? undefined : checkDns1123Label(prop('namespace'), props.namespace);
    const metadata = props.metadata === undefined ? {} : checkMetadata(prop('metadata'), props.metadata);
    if (props.labels !== undefined && metadata.labels !== undefined) {
      throw new ValidationError(prop('metadata'), props.metadata, 'may not set labels beside the labels prop: give the Service\'s labels in one of them');
    }
    const labels = props.labels === undefined ? metadata.labels : checkLabels(prop('labels'), props.labels, false);
    // frozen: the member is what was checked and written, not a way around the checks
    // (its type is a plain array because jsii has no readonly arrays)
    const ports = Object.freeze([Object.freeze({
      port,
      protocol,
      targetPort: typeof targetPort === 'number' ? IntOrString.fromNumber(targetPort) : IntOrString.fromString(targetPort),
    })]) as unknown as ServicePort[];
    super(scope, id, {
      // An explicit `name: undefined` would override the name cdk8s generates.
      metadata: name === undefined ? { namespace, labels, annotations: metadata.annotations } : { name, namespace, labels, annotations: metadata.annotations },
      spec: { selector, ports, type },
    });
    this.apiObject = this;
    this.selector = selector;
    this.ports = ports;
    this.type = type;
  }
}
