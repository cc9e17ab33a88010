/**
 * The views of a HelloNodeApp that cdk8s-plus constructs take, made with the
 * cdk8s-plus module the project itself uses: a companion entry point per cdk8s-plus
 * major version (kplus/27.ts, kplus/33.ts) passes its module in, so that neither forces
 * its version on the users of another, and the library's own entry point (jsii's, for
 * every language) imports none.
 */
import { Construct, IConstruct } from 'constructs';
import type { HelloNodeApp } from '../lib';

/** What the views use of a cdk8s-plus module; each major version has it with its own types. */
interface CdkPlus<Pods extends IConstruct, Namespaces extends IConstruct, Service, Backend, Port> {
  readonly Pods: { select(scope: Construct, id: string, options: { labels: { [key: string]: string }; namespaces?: Namespaces }): Pods };
  readonly Namespaces: { select(scope: Construct, id: string, options: { names: string[] }): Namespaces };
  readonly IngressBackend: { fromService(service: Service, options?: { port?: number }): Backend };
  readonly NetworkPolicyPort: { tcp(port: number): Port };
}

/** The views, for the cdk8s-plus module `plus` of major version `major` (its constructs' ids under the app carry it). */
export function viewsOf<Pods extends IConstruct, Namespaces extends IConstruct, Service, Backend, Port>(plus: CdkPlus<Pods, Namespaces, Service, Backend, Port>, major: number) {
  return {
    /**
     * The app's pods, as cdk8s-plus selects pods: an `IPodSelector` (a `NetworkPolicy`'s
     * `selector`) and an `INetworkPolicyPeer` (a rule's `peer`, `connections.allowTo`),
     * selecting exactly the pods the app's workload and Service select (its `labels`), in
     * the app's namespace when it has one. One selector per app: a second call returns it.
     */
    appPods(app: HelloNodeApp): Pods {
      const existing = app.node.tryFindChild(`PodSelector${major}`) as Pods | undefined;
      return existing ?? plus.Pods.select(app, `PodSelector${major}`, {
        labels: app.labels,
        namespaces: app.namespace === undefined ? undefined : plus.Namespaces.select(app, `NamespaceSelector${major}`, { names: [app.namespace] }),
      });
    },

    /**
     * The app's Service as a cdk8s-plus `IngressBackend`: an Ingress rule or default
     * backend that routes to the Service by its name, on its port.
     */
    appBackend(app: HelloNodeApp): Backend {
      const ports = app.service.ports.map(({ port }) => ({ port }));
      // cdk8s-plus reads only these two of a Service here (its name and its ports); the
      // app's Service is a k8s.KubeService, which no cdk8s-plus Service wraps without
      // writing a second one
      const service = { name: app.service.name, ports } as unknown as Service;
      return plus.IngressBackend.fromService(service, { port: ports[0].port });
    },

    /** The port the app's pods listen on, for a network policy's rule: TCP, `containerPort`. */
    appPort(app: HelloNodeApp): Port {
      return plus.NetworkPolicyPort.tcp(app.containerPort);
    },
  };
}
