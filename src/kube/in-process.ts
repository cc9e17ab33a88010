/**
 * kubectl's reads and small writes, done from the CLI's own process: each kubectl
 * process costs 0.1–0.4 s before it sends a byte, and a deploy runs some twenty of them.
 *
 * The command stays what it was: the same ToolCommand is printed (and pasted, under
 * --dry-run) and means the same thing. This executor sends what kubectl sends for it
 * (`kubectl -v=8` shows it: the same paths, field managers, `fieldValidation=Strict`,
 * output, but for the order of JSON keys, which kubectl sorts), through the kubeconfig kubectl reads (kubeconfig.ts: @kubernetes/client-node's
 * KubeConfig for contexts, client certificates, tokens and proxy-url; exec credential
 * plugins such as gke-gcloud-auth-plugin run as kubectl runs them). kubectl itself runs instead:
 *   - for every command outside the forms below (the ApplySet prune apply, diff,
 *     logs, rollout, version, replace, a delete that waits for finalizers), and
 *     whatever carries variables (KUBECTL_APPLYSET);
 *   - where the kubeconfig is not read here as kubectl reads it (kubeconfig.ts: several
 *     files, a key the client does not read alike, a proxy from the environment), when
 *     the client cannot be loaded, and when kubectl is not installed (a deploy stops
 *     at once, saying so);
 *   - when a request fails: kubectl then does it again, so that the failure a user
 *     reads, and the CLI explains (kubectl.ts), is kubectl's own words and exit code. A
 *     request the API server refused, or never got, changed nothing (it writes an
 *     object whole or not at all), and a read or an apply may be sent twice; a create,
 *     patch or delete whose answer was lost on the way is said to be so (AnswerLost),
 *     never sent again.
 *
 * The forms done here, with `--namespace N` and `--context=C` anywhere:
 *   get TYPE/NAME... | get TYPE[,TYPE] [NAME...]   [--selector S] [--field-selector F]
 *       [--ignore-not-found] [--show-managed-fields] --output json|name
 *   create -f -            (one object, on stdin)
 *   patch TYPE/NAME --type merge|json --patch P [--field-manager=M]
 *   scale --replicas=N TYPE/NAME
 *   delete TYPE/NAME... | delete TYPE NAME...   [--ignore-not-found] [--wait=false]
 *   apply --server-side [--field-manager=M] [--force-conflicts] -f -
 *       [--dry-run=server --output=json] [--show-managed-fields]
 *   get TYPE[/NAME] [--selector S] --watch-only --output name   (until stopped)
 *   config view --minify --output jsonpath={.current-context}|{.contexts[0].context.namespace}
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { parseAllDocuments } from 'yaml';
import { Connection, connectionOf } from './kubeconfig';
import type { KubeObject } from './cluster-state';
import { onPath, ToolCommand, ToolExecutor, ToolResult } from '../exec/tools';
import { CliError } from '../exec/errors';

/** One kind of object the API server serves, as its discovery lists it. */
interface Resource {
  readonly group: string;
  readonly version: string;
  /** The plural name of its path: `replicationcontrollers`. */
  readonly name: string;
  readonly singularName: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly shortNames?: readonly string[];
}

/** The flags of the forms above; true for those that take a value. */
const FLAGS: Readonly<Record<string, boolean>> = {
  'namespace': true, 'context': true, 'output': true, 'selector': true, 'field-selector': true, 'type': true, 'patch': true,
  'field-manager': true, 'dry-run': true, 'wait': true, 'replicas': true, 'f': true,
  'ignore-not-found': false, 'show-managed-fields': false, 'watch-only': false, 'force-conflicts': false, 'server-side': false, 'minify': false,
};

interface Parsed {
  readonly words: readonly string[];
  readonly flags: ReadonlyMap<string, string>;
}

/** The command's words and flags, or undefined for a flag outside the forms (then kubectl runs it). */
function parse(args: readonly string[]): Parsed | undefined {
  const words: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const flag = /^--?([a-z-]+)(?:=(.*))?$/s.exec(arg);
    if (!flag) {
      words.push(arg);
      continue;
    }
    const [, name, inline] = flag;
    const takesValue = FLAGS[name];
    if (takesValue === undefined || (!takesValue && inline !== undefined) || flags.has(name)) {
      return undefined;
    }
    const value = !takesValue ? 'true' : inline ?? args[++i];
    if (value === undefined) {
      return undefined;
    }
    flags.set(name, value);
  }
  return { words, flags };
}

/** Not done here: kubectl runs the command. */
class KubectlRuns extends Error {}

const only = <T>(value: T | undefined, what: string): T => {
  if (value === undefined) {
    throw new KubectlRuns(what);
  }
  return value;
};

/** A response of the API server that is no success. */
class ApiError extends Error {
  constructor(readonly status: number, body: string) {
    super(`HTTP ${status}: ${body.slice(0, 200)}`);
  }
}

/** An API group as `/apis` lists it. */
interface ApiGroup {
  readonly name: string;
  readonly preferredVersion: { readonly version: string };
}

/** `promise`, after which, if it was rejected, `forget` runs: a failed discovery is asked again, not remembered. */
function forgottenIfRejected<T>(promise: Promise<T>, forget: () => void): Promise<T> {
  promise.catch(forget);
  return promise;
}

/** How long a request may take to reach the API server (connect, TLS) before kubectl is left to try, and explain. */
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * A request that reached the API server, whose answer was lost (the connection broke):
 * whether it was done is unknown. kubectl runs a read or an apply again; a create, a
 * patch or a delete it must not, as a second one would answer for the first (an
 * AlreadyExists of its own Lease).
 */
class AnswerLost extends Error {
  constructor(readonly request: string, why: string) {
    super(`the connection to the cluster's API server broke after it was sent ${request}, before its answer (${why})`);
  }
}

/** The verbs whose request, done once, must not be sent again by kubectl when its answer was lost. */
const ONCE_ONLY = new Set(['create', 'patch', 'delete']);

/** The API server of one kubeconfig context, reached as kubectl reaches it. */
class Cluster {
  /** Whether a request failed to reach it: kubectl, which explains why, runs every later command. */
  unreachable = false;
  /** The API server's warnings not yet printed. */
  readonly warnings: string[] = [];
  private agent?: http.Agent;
  private groups?: Promise<ApiGroup[]>;
  private readonly discovered = new Map<string, Promise<Resource[]>>();

  constructor(private readonly connection: Connection) {}

  get contextName(): string {
    return this.connection.contextName;
  }

  get namespace(): string | undefined {
    return this.connection.namespace;
  }

  /** Opens a request; resolves to the answer's head, rejects when the API server cannot be reached. */
  private async open(method: string, path: string, body?: { type: string; text: string }, idleTimeout = true): Promise<http.IncomingMessage> {
    const { config } = this.connection;
    const server = only(config.getCurrentCluster()?.server, 'no server');
    const options: https.RequestOptions = {};
    // the user's credentials, TLS and any proxy, as the kubeconfig says; an exec plugin's credential, as kubectl runs it (kubeconfig.ts)
    await config.applyToHTTPSOptions(options);
    const credential = await this.connection.credential();
    if (credential?.token) {
      options.headers = { ...options.headers, Authorization: `Bearer ${credential.token}` };
    }
    if (credential?.cert && credential.key) {
      options.cert = credential.cert;
      options.key = credential.key;
    }
    // one connection for the command's requests, not a TLS handshake each: the first
    // request's agent, kept alive (KubeConfig makes a new one, closing its sockets, each
    // time); a proxy's agent, of another kind, as KubeConfig made it
    this.agent ??= config.getCurrentCluster()?.proxyUrl ? undefined : server.startsWith('http:') ? new http.Agent({ keepAlive: true }) : new https.Agent({
      ca: options.ca, cert: options.cert, key: options.key, pfx: options.pfx, passphrase: options.passphrase,
      rejectUnauthorized: options.rejectUnauthorized, servername: options.servername, keepAlive: true,
    });
    options.agent = this.agent ?? options.agent;
    const url = new URL(server.replace(/\/+$/, '') + path);
    const headers: http.OutgoingHttpHeaders = { ...options.headers as http.OutgoingHttpHeaders, 'Accept': 'application/json', 'User-Agent': 'hello-node' };
    if (body) {
      // with its length, as kubectl sends it: a chunked DELETE on a kept-alive connection was answered 400 Bad Request
      headers['Content-Type'] = body.type;
      headers['Content-Length'] = Buffer.byteLength(body.text);
    }
    const requester = url.protocol === 'http:' ? http : https;
    const send = (): Promise<http.IncomingMessage> => new Promise((resolve, reject) => {
      let sent = false;
      const req = requester.request(url, { ...options, method, headers }, resolve);
      req.on('finish', () => {
        sent = true;
        // sent: from here kubectl waits as long as the API server takes (it times a request out itself)
        req.setTimeout(0);
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (sent && req.reusedSocket && err.code === 'ECONNRESET') {
          // a kept-alive connection the API server had closed meanwhile: the request never reached it
          send().then(resolve, reject);
        } else if (sent) {
          reject(new AnswerLost(`${method} ${path}`, err.message));
        } else {
          this.unreachable = true;
          reject(err);
        }
      });
      if (idleTimeout) {
        // kubectl's own dial and TLS timeouts say the same of a cluster that does not answer
        req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error('no answer')));
      }
      req.end(body?.text);
    });
    return send();
  }

  /** Sends a request; resolves to the parsed JSON of a 2xx answer, rejects with ApiError otherwise. */
  async request(method: string, path: string, body?: { type: string; text: string }): Promise<unknown> {
    const res = await this.open(method, path, body);
    let text = '';
    for await (const chunk of res.setEncoding('utf8')) {
      text += chunk as string;
    }
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) {
      throw new ApiError(status, text);
    }
    // the API server's warnings (a deprecated version, a field it dropped), as kubectl prints them
    for (let i = 0; i < res.rawHeaders.length; i += 2) {
      const warning = res.rawHeaders[i].toLowerCase() === 'warning' ? /^\d{3} \S+ "((?:[^"\\]|\\.)*)"/.exec(res.rawHeaders[i + 1]) : null;
      if (warning) {
        this.warnings.push(`Warning: ${warning[1].replace(/\\(.)/g, '$1')}\n`);
      }
    }
    return JSON.parse(text);
  }

  /**
   * Watches a collection (`path` with its selectors, from `resourceVersion` on), handing
   * each event's object to `onEvent`, until `stop` aborts or the API server ends the watch.
   */
  async watch(path: string, resourceVersion: string, onEvent: (obj: KubeObject) => void, stop: AbortSignal): Promise<void> {
    const res = await this.open('GET', `${path}${path.includes('?') ? '&' : '?'}${new URLSearchParams({ watch: 'true', resourceVersion })}`, undefined, false);
    if (res.statusCode !== 200) {
      res.resume();
      throw new ApiError(res.statusCode ?? 0, '');
    }
    const end = () => res.destroy();
    stop.addEventListener('abort', end, { once: true });
    try {
      let pending = '';
      for await (const chunk of res.setEncoding('utf8')) {
        const lines = (pending + (chunk as string)).split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines.filter((l) => l.trim() !== '')) {
          const event = JSON.parse(line) as { type: string; object: KubeObject };
          if (event.type === 'ERROR') {
            // the watch's resourceVersion is too old, or the like: kubectl stops, and says so
            throw new ApiError(410, line);
          }
          onEvent(event.object);
        }
      }
    } catch (err) {
      if (!stop.aborted) {
        throw err;
      }
    } finally {
      stop.removeEventListener('abort', end);
    }
  }

  /**
   * The resource a kubectl TYPE names (`secret`, `pods`, `Lease`, `ingress.networking.k8s.io`,
   * `hpa`), found as kubectl's RESTMapper finds it: the core group first, then the
   * groups in the order the API server lists them, each at its preferred version.
   */
  async resource(type: string): Promise<Resource> {
    const dot = type.indexOf('.');
    const name = (dot < 0 ? type : type.slice(0, dot)).toLowerCase();
    const group = dot < 0 ? undefined : type.slice(dot + 1);
    const matches = (r: Resource) => r.name === name || r.singularName === name || r.kind.toLowerCase() === name || (r.shortNames ?? []).includes(name);
    const inCore = group === undefined || group === '' ? (await this.groupVersion('', 'v1')).find(matches) : undefined;
    if (inCore || group === '') {
      return only(inCore, `no resource ${type}`);
    }
    const groups = await this.groupList();
    const candidates = group === undefined ? groups : groups.filter((g) => g.name === group);
    const lists = await Promise.all(candidates.map((g) => this.groupVersion(g.name, g.preferredVersion.version)));
    return only(lists.flat().find(matches), `no resource ${type}`);
  }

  /** The resource of an object given whole: its kind, in the group and version its apiVersion names, as kubectl sends it. */
  async resourceOf(obj: KubeObject): Promise<Resource> {
    const apiVersion = only(obj.apiVersion, 'no apiVersion');
    const slash = apiVersion.indexOf('/');
    const found = (await this.groupVersion(slash < 0 ? '' : apiVersion.slice(0, slash), apiVersion.slice(slash + 1))).find((r) => r.kind === obj.kind);
    // the rest of discovery, for the TYPEs of later commands, fetched meanwhile (a deploy's synth is a long wait)
    void this.groupList().then((groups) => groups.forEach((g) => void this.groupVersion(g.name, g.preferredVersion.version).catch(() => undefined)), () => undefined);
    return only(found, `no ${obj.kind} in ${apiVersion}`);
  }

  /** The API groups, in the API server's order, each with its preferred version. */
  private groupList(): Promise<ApiGroup[]> {
    this.groups ??= (this.request('GET', '/apis') as Promise<{ groups: ApiGroup[] }>).then((list) => list.groups);
    return forgottenIfRejected(this.groups, () => (this.groups = undefined));
  }

  /** The resources a group version serves (the core group's: `''`, `v1`), read once. */
  private groupVersion(group: string, version: string): Promise<Resource[]> {
    const key = `${group}/${version}`;
    const known = this.discovered.get(key) ?? (this.request('GET', group === '' ? `/api/${version}` : `/apis/${group}/${version}`) as Promise<{ resources: Omit<Resource, 'group' | 'version'>[] }>)
      // a subresource (pods/log) is no TYPE
      .then((list) => list.resources.filter((r) => !r.name.includes('/')).map((r) => ({ ...r, group, version })));
    this.discovered.set(key, known);
    return forgottenIfRejected(known, () => this.discovered.delete(key));
  }

  /** The path of the resource's collection, or of one object of it. */
  pathOf(resource: Resource, namespace: string | undefined, name?: string, query: Record<string, string | undefined> = {}): string {
    const base = resource.group === '' ? `/api/${resource.version}` : `/apis/${resource.group}/${resource.version}`;
    const scope = resource.namespaced ? `/namespaces/${encodeURIComponent(namespace ?? this.namespace ?? 'default')}` : '';
    const params = new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined)).toString();
    return `${base}${scope}/${resource.name}${name === undefined ? '' : `/${encodeURIComponent(name)}`}${params ? `?${params}` : ''}`;
  }
}

const apiVersionOf = (r: Resource) => (r.group === '' ? r.version : `${r.group}/${r.version}`);
/** How kubectl names an object in its output: `secret/x`, `lease.coordination.k8s.io/x`. */
const printedName = (r: Resource, name: string) => `${r.kind.toLowerCase()}${r.group === '' ? '' : `.${r.group}`}/${name}`;

/** The objects a get, scale, patch or delete names: `TYPE/NAME...`, or `TYPE NAME...`; TYPE alone (with its names empty) for a list. */
function targets(words: readonly string[]): { type: string; name?: string }[] {
  if (words.length === 0) {
    throw new KubectlRuns('nothing named');
  }
  if (words[0].includes('/')) {
    return words.map((w) => {
      const [type, name, ...rest] = w.split('/');
      if (!type || !name || rest.length > 0) {
        throw new KubectlRuns(`not TYPE/NAME: ${w}`);
      }
      return { type, name };
    });
  }
  const [types, ...names] = words;
  return names.length === 0 ? types.split(',').map((type) => ({ type })) : names.map((name) => ({ type: types, name }));
}

/** `obj` as kubectl prints it: its managed fields shown only when asked for. */
function shown(obj: KubeObject, flags: ReadonlyMap<string, string>): KubeObject {
  if (flags.has('show-managed-fields')) {
    return obj;
  }
  const { managedFields: _, ...metadata } = obj.metadata as KubeObject['metadata'] & { managedFields?: unknown };
  return { ...obj, metadata };
}

const asJson = (objects: readonly KubeObject[], single: boolean) => `${JSON.stringify(single && objects.length === 1 ? objects[0] : { apiVersion: 'v1', items: objects, kind: 'List', metadata: { resourceVersion: '' } }, null, 4)}\n`;

/** The one object kubectl reads on stdin (`-f -`), or several for an apply. */
function objectsOnStdin(command: ToolCommand, flags: ReadonlyMap<string, string>): KubeObject[] {
  if (flags.get('f') !== '-' || command.input === undefined) {
    throw new KubectlRuns('no objects on stdin');
  }
  if (/^\s*\{/.test(command.input)) {
    // kubectl reads input that starts as JSON as JSON only: one object here (kubectl reads more, and refuses YAML after it)
    const obj = parseJson(command.input);
    return [only(obj !== undefined && typeof obj === 'object' && obj !== null && !Array.isArray(obj) ? checked(obj as KubeObject) : undefined, 'JSON')];
  }
  const documents = parseAllDocuments(command.input);
  if (!Array.isArray(documents) || documents.some((d) => d.errors.length > 0)) {
    throw new KubectlRuns('not YAML');
  }
  return documents.map((d) => d.toJS() as KubeObject | null).filter((o): o is KubeObject => o !== null).map(checked);
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** `obj`, when it names its kind, version and name; kubectl explains an object that does not. */
function checked(obj: KubeObject): KubeObject {
  if (typeof obj !== 'object' || !obj.kind || !obj.apiVersion || !obj.metadata?.name) {
    throw new KubectlRuns('an object kubectl would have to explain');
  }
  return obj;
}

/** The namespace an object given whole goes to: its own, which must be the command's, or the command's. */
function namespaceOf(resource: Resource, obj: KubeObject, namespace: string | undefined): string | undefined {
  if (!resource.namespaced) {
    return undefined;
  }
  const own = obj.metadata.namespace;
  if (own !== undefined && namespace !== undefined && own !== namespace) {
    throw new KubectlRuns('a namespace kubectl refuses');
  }
  return own ?? namespace;
}

/** What one command prints, done here; a watch's, as it comes. */
async function perform(cluster: Cluster, command: ToolCommand, { words, flags }: Parsed, io: { out: NodeJS.WritableStream; stop?: AbortSignal }): Promise<string> {
  const namespace = flags.get('namespace') ?? cluster.namespace;
  const [verb, ...rest] = words;
  const ignoreNotFound = flags.has('ignore-not-found');
  /** Whether `err` is an object that is not there, which --ignore-not-found passes over. */
  const missingIgnored = (err: unknown) => ignoreNotFound && err instanceof ApiError && err.status === 404;
  const strict = { fieldValidation: 'Strict' };
  switch (verb) {
    case 'config': {
      const output = flags.get('output');
      if (rest.join(' ') !== 'view' || !flags.has('minify') || flags.size !== 2 + (flags.has('context') ? 1 : 0)) {
        throw new KubectlRuns('config');
      }
      if (output === 'jsonpath={.current-context}') {
        return cluster.contextName;
      }
      return only(output === 'jsonpath={.contexts[0].context.namespace}' ? cluster.namespace ?? '' : undefined, 'config output');
    }
    case 'get': {
      const output = flags.get('output');
      if (output !== 'json' && output !== 'name') {
        throw new KubectlRuns('get output');
      }
      const named = targets(rest);
      if (flags.has('watch-only')) {
        return watchOnly(cluster, named, namespace, flags, io);
      }
      const found: KubeObject[] = [];
      for (const { type, name } of named) {
        const resource = await cluster.resource(type);
        if (name === undefined) {
          const list = await cluster.request('GET', cluster.pathOf(resource, namespace, undefined, { labelSelector: flags.get('selector'), fieldSelector: flags.get('field-selector') })) as { items: KubeObject[] };
          // a list's items carry no kind or apiVersion: kubectl fills them in
          found.push(...list.items.map((item) => ({ ...item, apiVersion: apiVersionOf(resource), kind: resource.kind })));
          continue;
        }
        if (flags.has('selector') || flags.has('field-selector')) {
          throw new KubectlRuns('a selector with names');
        }
        try {
          found.push(await cluster.request('GET', cluster.pathOf(resource, namespace, name)) as KubeObject);
        } catch (err) {
          if (!missingIgnored(err)) {
            throw err;
          }
        }
      }
      if (output === 'name') {
        const resources = await Promise.all(found.map((o) => cluster.resourceOf(o)));
        return found.map((o, i) => `${printedName(resources[i], o.metadata.name)}\n`).join('');
      }
      // one TYPE/NAME is printed as the object; a list, or several, as a List; nothing found with --ignore-not-found, as nothing
      return found.length === 0 && ignoreNotFound ? '' : asJson(found.map((o) => shown(o, flags)), named.length === 1 && named[0].name !== undefined);
    }
    case 'create': {
      const objects = objectsOnStdin(command, flags);
      if (rest.length > 0 || objects.length !== 1 || flags.size !== 1 + (flags.has('namespace') ? 1 : 0) + (flags.has('context') ? 1 : 0)) {
        throw new KubectlRuns('create');
      }
      const [obj] = objects;
      const resource = await cluster.resourceOf(obj);
      await cluster.request('POST', cluster.pathOf(resource, namespaceOf(resource, obj, namespace), undefined, { fieldManager: 'kubectl-create', ...strict }), { type: 'application/json', text: JSON.stringify(obj) });
      return `${printedName(resource, obj.metadata.name)} created\n`;
    }
    case 'patch': {
      const type = flags.get('type');
      const patch = only(flags.get('patch'), 'no patch');
      const [target, ...more] = targets(rest);
      if (more.length > 0 || target.name === undefined || (type !== 'merge' && type !== 'json')) {
        throw new KubectlRuns('patch');
      }
      const resource = await cluster.resource(target.type);
      const query = { fieldManager: flags.get('field-manager') ?? 'kubectl-patch', ...strict };
      await cluster.request('PATCH', cluster.pathOf(resource, namespace, target.name, query), { type: type === 'merge' ? 'application/merge-patch+json' : 'application/json-patch+json', text: patch });
      return `${printedName(resource, target.name)} patched\n`;
    }
    case 'scale': {
      const replicas = only(flags.get('replicas'), 'no count');
      const [target, ...more] = targets(rest);
      if (more.length > 0 || target.name === undefined || !/^\d+$/.test(replicas)) {
        throw new KubectlRuns('scale');
      }
      const resource = await cluster.resource(target.type);
      // kubectl's scale patches the scale subresource; its field manager is its user agent's name
      await cluster.request('PATCH', `${cluster.pathOf(resource, namespace, target.name)}/scale?fieldManager=kubectl`, { type: 'application/merge-patch+json', text: JSON.stringify({ spec: { replicas: Number(replicas) } }) });
      return `${printedName(resource, target.name)} scaled\n`;
    }
    case 'delete': {
      const wait = flags.get('wait') ?? 'true';
      let printed = '';
      for (const target of targets(rest)) {
        const resource = await cluster.resource(target.type);
        const name = only(target.name, 'delete without a name');
        let left: { kind?: string; metadata?: { deletionTimestamp?: string } };
        try {
          left = await cluster.request('DELETE', cluster.pathOf(resource, namespace, name), { type: 'application/json', text: JSON.stringify({ propagationPolicy: 'Background' }) }) as typeof left;
        } catch (err) {
          if (missingIgnored(err)) {
            continue;
          }
          throw err;
        }
        if (wait !== 'false' && left.kind !== 'Status' && left.metadata?.deletionTimestamp !== undefined) {
          // finalizers hold it: kubectl waits for it to be gone
          throw new KubectlRuns('a delete to wait for');
        }
        printed += `${printedName(resource, name).replace(/\/(.*)$/, ' "$1"')} deleted\n`;
      }
      return printed;
    }
    case 'apply': {
      const dryRun = flags.get('dry-run');
      const output = flags.get('output');
      if (rest.length > 0 || !flags.has('server-side') || (dryRun !== undefined && dryRun !== 'server') || (output !== undefined && output !== 'json')) {
        throw new KubectlRuns('apply');
      }
      const objects = objectsOnStdin(command, flags);
      const query = { ...dryRun ? { dryRun: 'All' } : {}, fieldManager: flags.get('field-manager') ?? 'kubectl', ...strict, force: flags.has('force-conflicts') ? 'true' : undefined };
      const applied: KubeObject[] = [];
      let printed = '';
      for (const obj of objects) {
        const resource = await cluster.resourceOf(obj);
        const ns = namespaceOf(resource, obj, namespace);
        const body = resource.namespaced ? { ...obj, metadata: { ...obj.metadata, namespace: ns } } : obj;
        applied.push(await cluster.request('PATCH', cluster.pathOf(resource, ns, obj.metadata.name, query), { type: 'application/apply-patch+yaml', text: JSON.stringify(body) }) as KubeObject);
        printed += `${printedName(resource, obj.metadata.name)} serverside-applied${dryRun ? ' (server dry run)' : ''}\n`;
      }
      // kubectl prints the one object an apply returned, or a List of them
      const answers = applied.map((o) => shown(o, flags));
      return output === 'json' ? `${JSON.stringify(answers.length === 1 ? answers[0] : { kind: 'List', apiVersion: 'v1', metadata: {}, items: answers }, null, 4)}\n` : printed;
    }
    default:
      throw new KubectlRuns(verb ?? 'no verb');
  }
}

/**
 * `kubectl get TYPE[/NAME] --watch-only --output name`: each change of what it names
 * printed as it comes (`pod/x`), none of what was there before, until `io.stop` aborts.
 * kubectl watches one TYPE at a time, and so does this.
 */
async function watchOnly(cluster: Cluster, named: readonly { type: string; name?: string }[], namespace: string | undefined, flags: ReadonlyMap<string, string>, io: { out: NodeJS.WritableStream; stop?: AbortSignal }): Promise<string> {
  const [{ type, name }, ...more] = named;
  if (more.length > 0 || flags.get('output') !== 'name' || !io.stop || (name !== undefined && flags.has('selector'))) {
    throw new KubectlRuns('watch');
  }
  const resource = await cluster.resource(type);
  const collection = cluster.pathOf(resource, namespace, undefined, {
    labelSelector: flags.get('selector'),
    fieldSelector: name === undefined ? flags.get('field-selector') : `metadata.name=${name}`,
  });
  // from the version listed now, as kubectl's --watch-only: what was there before is no change
  const listed = await cluster.request('GET', `${collection}${collection.includes('?') ? '&' : '?'}limit=1`) as { metadata: { resourceVersion: string } };
  await cluster.watch(collection, listed.metadata.resourceVersion, (obj) => io.out.write(`${printedName(resource, obj.metadata.name)}\n`), io.stop);
  return '';
}

/** The cluster of `context` (by default the current one), or undefined where kubectl is left every command (kubeconfig.ts). */
function clusterOf(env: NodeJS.ProcessEnv, context: string | undefined): Cluster | undefined {
  // without kubectl, a deploy must stop at its first command, as it always did, not at the ApplySet apply
  if (onPath('kubectl', env.PATH) === undefined) {
    return undefined;
  }
  const connection = connectionOf(env, context);
  return connection && new Cluster(connection);
}

/**
 * An executor that does kubectl's reads and small writes from the CLI's own process
 * (see above), and hands every other command, and every one it could not do, to
 * `next` (the real tools).
 *
 * @param env the environment kubectl would read its kubeconfig from
 */
export function inProcessKubectl(next: ToolExecutor, env: NodeJS.ProcessEnv): ToolExecutor {
  const clusters = new Map<string, Cluster | undefined>();
  const clusterFor = (context: string | undefined) => {
    const key = context ?? '';
    if (!clusters.has(key)) {
      let cluster: Cluster | undefined;
      try {
        cluster = clusterOf(env, context);
      } catch {
        // a kubeconfig KubeConfig cannot read, or a client that cannot load (a Node.js without require(esm)): kubectl says what it makes of it
        cluster = undefined;
      }
      clusters.set(key, cluster);
    }
    return clusters.get(key);
  };
  return async (command, io): Promise<ToolResult> => {
    const parsed = command.tool === 'kubectl' && command.env === undefined && command.program === undefined ? parse(command.args) : undefined;
    const cluster = parsed && clusterFor(parsed.flags.get('context'));
    if (!parsed || !cluster || cluster.unreachable) {
      return next(command, io);
    }
    let stdout: string;
    try {
      stdout = await perform(cluster, command, parsed, io);
    } catch (err) {
      cluster.warnings.length = 0;
      if (err instanceof AnswerLost && ONCE_ONLY.has(parsed.words[0])) {
        throw new CliError(`${err.message}: whether it was done is unknown; \`hello-node status\` shows the app, and the command can be run again`);
      }
      // not a form done here, or a request that failed: kubectl runs it, and says why it fails
      return next(command, io);
    }
    // each once, as kubectl's warning writer deduplicates them
    const stderr = [...new Set(cluster.warnings.splice(0))].join('');
    if (io.echoStderr) {
      io.err.write(stderr);
    }
    if (io.stream) {
      io.out.write(stdout);
    }
    return { exitCode: 0, stdout, stderr };
  };
}
