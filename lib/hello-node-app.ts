import { Construct } from 'constructs';
import { KubeReplicationController } from '../imports/k8s';
import { LABELED_SERVICE_DEFAULTS, LabeledService, SERVICE_TYPES, ServiceType } from './labeled-service';
import {
  checkDns1035Label,
  checkDns1123Label,
  checkImage,
  checkLabels,
  checkOneOf,
  checkPort,
  checkReplicas,
  MAX_DNS_LABEL_LENGTH,
  propSubjects,
} from './validation';

/**
 * When the kubelet pulls a container's image; the same values as cdk8s-plus-27's
 * `ImagePullPolicy`.
 */
export const ImagePullPolicy = {
  /** Check the registry on every pod start, so a re-pushed tag is never run stale. */
  ALWAYS: 'Always',
  /** Pull only when the node does not have the image yet. */
  IF_NOT_PRESENT: 'IfNotPresent',
  /** Never pull: the image must already be on the node. */
  NEVER: 'Never',
} as const;
/** One of the {@link ImagePullPolicy} values. */
export type ImagePullPolicy = (typeof ImagePullPolicy)[keyof typeof ImagePullPolicy];

const IMAGE_PULL_POLICIES = Object.values(ImagePullPolicy);

/** Props for {@link HelloNodeApp}. */
export interface HelloNodeAppProps {
  /**
   * The app's name. It names the objects: ReplicationController `<name>-rc`, pod
   * template `<name>-pod`, container `<name>` and Service `<name>-svc`; so it must be
   * a DNS-1035 label short enough for `<name>-svc` to fit in 63 characters.
   *
   * @default 'hello-node'
   */
  readonly name?: string;

  /**
   * The container image.
   *
   * @default 'gcr.io/terrycho-sandbox/hello-node:v1'
   */
  readonly image?: string;

  /**
   * How many pods the ReplicationController keeps running.
   *
   * @default 3
   */
  readonly replicas?: number;

  /**
   * The port the server listens on in its container; also the Service's target port.
   *
   * @default 8080
   */
  readonly containerPort?: number;

  /**
   * The port the Service listens on.
   *
   * @default 80
   */
  readonly servicePort?: number;

  /**
   * When the kubelet pulls the image. `Always` makes every new pod check the
   * registry, so an image re-pushed under the same tag is never run stale.
   *
   * @default ImagePullPolicy.ALWAYS
   */
  readonly imagePullPolicy?: ImagePullPolicy;

  /**
   * The labels on the pods; the ReplicationController and the Service select pods by
   * exactly these.
   *
   * @default { app: <name> }
   */
  readonly labels?: Readonly<Record<string, string>>;

  /**
   * How the Service is exposed.
   *
   * @default ServiceType.LOAD_BALANCER
   */
  readonly serviceType?: ServiceType;

  /**
   * `metadata.namespace` of the ReplicationController and the Service.
   *
   * @default - none: the namespace `kubectl` applies them to
   */
  readonly namespace?: string;
}

/** The defaults of {@link HelloNodeAppProps}: the reference workflow's objects. */
export const HELLO_NODE_APP_DEFAULTS = {
  name: 'hello-node',
  image: 'gcr.io/terrycho-sandbox/hello-node:v1',
  replicas: 3,
  containerPort: LABELED_SERVICE_DEFAULTS.targetPort,
  servicePort: LABELED_SERVICE_DEFAULTS.port,
  imagePullPolicy: ImagePullPolicy.ALWAYS,
  serviceType: LABELED_SERVICE_DEFAULTS.type,
} as const;

const SERVICE_SUFFIX = '-svc';

/**
 * The hello-node server on Kubernetes: a ReplicationController that keeps
 * `replicas` pods of the image running, and a {@link LabeledService} that selects
 * exactly those pods by their labels and exposes them.
 *
 * With no props it reproduces the reference workflow's `hello-node-rc` and
 * `hello-node-svc` field for field. Every prop is checked when the construct is
 * created, before it joins the tree, and a bad one throws a `ValidationError` that
 * names it.
 */
export class HelloNodeApp extends Construct {
  /** The ReplicationController that runs the pods. */
  public readonly replicationController: KubeReplicationController;

  /** The Service in front of the pods. */
  public readonly service: LabeledService;

  /** The labels on the pods, which both the ReplicationController and the Service select. */
  public readonly labels: Readonly<Record<string, string>>;

  /** The app's name, from which the objects' names derive. */
  public readonly name: string;

  /** The container image. */
  public readonly image: string;

  constructor(scope: Construct, id: string, props: HelloNodeAppProps = {}) {
    const prop = propSubjects('HelloNodeApp', scope, id);
    const name = checkDns1035Label(prop('name'), props.name ?? HELLO_NODE_APP_DEFAULTS.name, MAX_DNS_LABEL_LENGTH - SERVICE_SUFFIX.length);
    const image = checkImage(prop('image'), props.image ?? HELLO_NODE_APP_DEFAULTS.image);
    const replicas = checkReplicas(prop('replicas'), props.replicas ?? HELLO_NODE_APP_DEFAULTS.replicas);
    const containerPort = checkPort(prop('containerPort'), props.containerPort ?? HELLO_NODE_APP_DEFAULTS.containerPort);
    const servicePort = checkPort(prop('servicePort'), props.servicePort ?? HELLO_NODE_APP_DEFAULTS.servicePort);
    const imagePullPolicy = checkOneOf(prop('imagePullPolicy'), props.imagePullPolicy ?? HELLO_NODE_APP_DEFAULTS.imagePullPolicy, IMAGE_PULL_POLICIES);
    const serviceType = checkOneOf(prop('serviceType'), props.serviceType ?? HELLO_NODE_APP_DEFAULTS.serviceType, SERVICE_TYPES);
    const labels = checkLabels(prop('labels'), props.labels ?? { app: name }, true);
    const namespace = props.namespace === undefined ? undefined : checkDns1123Label(prop('namespace'), props.namespace);

    super(scope, id);
    this.name = name;
    this.image = image;
    this.labels = labels;

    this.replicationController = new KubeReplicationController(this, 'ReplicationController', {
      metadata: { name: `${this.name}-rc`, namespace },
      spec: {
        replicas,
        selector: this.labels,
        template: {
          metadata: { name: `${this.name}-pod`, labels: this.labels },
          spec: {
            containers: [{
              name: this.name,
              image: this.image,
              imagePullPolicy,
              ports: [{ containerPort }],
            }],
          },
        },
      },
    });

    this.service = new LabeledService(this, 'Service', {
      name: `${this.name}${SERVICE_SUFFIX}`,
      namespace,
      selector: this.labels,
      port: servicePort,
      targetPort: containerPort,
      type: serviceType,
    });
  }
}
