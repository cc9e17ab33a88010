/**
 * The app's configuration: read from the environment (and, through the same lookup,
 * from CLI flags), checked by the library's own rules, and turned into construct
 * props. main.ts and the CLI both go through here, so the image that is built,
 * pushed and deployed is always the same one.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
// The library's cdk8s-free modules only: commands that do not synthesize never load cdk8s.
import type { HelloNodeAppProps } from './index';
import {
  AUTOSCALING_DEFAULTS,
  checkComputeResourceName,
  checkDns1123Label,
  checkEnum,
  checkImage,
  checkImageTag,
  checkInteger,
  checkManagedCertificateDomain,
  checkOneOf,
  checkRegistryHost,
  checkReplicas,
  HELLO_NODE_APP_DEFAULTS,
  MAX_INT32,
  Profile,
  resolveHelloNodeApp,
  ServiceType,
  ValidationError,
  Workload,
} from './internal';

/**
 * The groups of commands that read a setting: `image` (image build and push, and so
 * every command that deploys the image), `app` (the cdk8s app and the commands that
 * synthesize it), `cluster` (the cluster commands), `platform` (the nodes' platform:
 * cluster create and every image build), `build` (every image build), `deployed` (the
 * commands that act on the app
 * once deployed), `kube` (every command that talks to the cluster through kubectl).
 */
export type SettingGroup = 'image' | 'app' | 'cluster' | 'platform' | 'build' | 'deployed' | 'kube';

/** One setting: its environment variable is its name in {@link SETTINGS}. */
interface SettingSpec {
  /** The command-line flag, which wins over the environment variable. */
  readonly flag: `--${string}`;
  /** The flag's value, as help shows it. */
  readonly value: `<${string}>`;
  /** One line: what it sets, for the flag's help and the docs' table. */
  readonly help: string;
  /** The value an unset setting takes; none when unset means something else (see `unset`). */
  readonly default?: string;
  /** What an unset setting means, for help and docs, when that is more than its `default` value. */
  readonly unset?: string;
  /** Which commands read it. */
  readonly groups: readonly SettingGroup[];
  /** More for the docs' table, beside `help`. */
  readonly docs?: string;
}

/** A setting that sets one of {@link HelloNodeAppProps}; unset, it leaves the construct's default. */
interface PropSettingSpec<P extends keyof HelloNodeAppProps> extends Omit<SettingSpec, 'default' | 'unset'> {
  readonly prop: P;
  /** Parses and checks the raw text; a bad value throws a `ValidationError` naming `raw.source`. */
  readonly read: (raw: RawSetting) => NonNullable<HelloNodeAppProps[P]>;
}

/** Types a prop setting: `read` must give what the prop takes. */
const propSetting = <P extends keyof HelloNodeAppProps>(spec: PropSettingSpec<P>): PropSettingSpec<P> => spec;

/** A prop whose value is an object of fields (`autoscaling`). */
type StructProp = 'autoscaling';
type FieldOf<P extends StructProp> = keyof NonNullable<HelloNodeAppProps[P]>;

/** A setting that sets one field of an object prop; unset, the field keeps its default. */
interface FieldSettingSpec<P extends StructProp, F extends FieldOf<P>> extends Omit<SettingSpec, 'default' | 'unset'> {
  readonly prop: P;
  readonly field: F;
  /** Parses and checks the raw text; a bad value throws a `ValidationError` naming `raw.source`. */
  readonly read: (raw: RawSetting) => NonNullable<NonNullable<HelloNodeAppProps[P]>[F]>;
}

/** Types a field setting: `read` must give what the field takes. */
const fieldSetting = <P extends StructProp, F extends FieldOf<P>>(spec: FieldSettingSpec<P, F>): FieldSettingSpec<P, F> => spec;

/** A positive int32, as an autoscaler's bounds (pods) and target (percent) are; the construct checks them together. */
const checkPositiveInt32 = (subject: string, value: unknown): number => checkInteger(subject, value, 1, MAX_INT32);

/** Reads a member of a string enum by its value. */
const enumSetting = <T extends string>(members: { readonly [name: string]: T }) => (raw: RawSetting): T => checkEnum(raw.source, raw.value, members);

// The image's parts are those of the construct's default image, so that the image
// composed from the defaults is that image (one home for it).
const [DEFAULT_REGISTRY, DEFAULT_PROJECT, DEFAULT_REPOSITORY_AND_TAG] = HELLO_NODE_APP_DEFAULTS.image.split('/');

/**
 * Every setting, in the order help and the docs list them: its environment variable,
 * flag, default, meaning and the commands that read it. A setting is one entry here;
 * the CLI's flags and help and the docs' settings table are made from it.
 */
export const SETTINGS = {
  GCP_PROJECT: {
    flag: '--project', value: '<id>', groups: ['image', 'app', 'cluster'], default: DEFAULT_PROJECT, unset: `gcloud's configured project (the synth: ${DEFAULT_PROJECT})`,
    help: 'Google Cloud project id (6 to 30 lowercase letters, digits and \'-\')',
    docs: 'The CLI\'s commands that build or push an image or create, reach or delete a cluster use `--project`, this, or the project gcloud is configured with (`gcloud config set project …`), and refuse without one: never the tutorial author\'s. `deploy` and `diff` take gcloud\'s too, for the image they deploy, and keep the tutorial\'s without one; the synth never asks gcloud',
  },
  IMAGE_REGISTRY: { flag: '--registry', value: '<host>', groups: ['image', 'app'], default: DEFAULT_REGISTRY, help: 'registry host: gcr.io, or <location>-docker.pkg.dev' },
  IMAGE_REPOSITORY: {
    flag: '--repository', value: '<id>', groups: ['image', 'app'], unset: 'none',
    help: 'Artifact Registry repository (only with a <location>-docker.pkg.dev registry)',
  },
  IMAGE_TAG: { flag: '--tag', value: '<tag>', groups: ['image', 'app'], default: DEFAULT_REPOSITORY_AND_TAG.split(':')[1], help: 'image tag' },
  HELLO_NODE_IMAGE: {
    flag: '--image', value: '<ref>', groups: ['image', 'app'], unset: '<registry>/<project>/[<repository>/]hello-node:<tag>',
    help: 'the whole image reference; overrides registry, repository, project and tag',
  },
  HELLO_NODE_REPLICAS: propSetting({
    flag: '--replicas', value: '<n>', groups: ['app'], prop: 'replicas', read: (raw) => parseWholeNumber(raw, checkReplicas),
    help: 'pods the workload keeps running (plain digits)',
  }),
  HELLO_NODE_MIN_REPLICAS: fieldSetting({
    flag: '--min-replicas', value: '<n>', groups: ['app'], prop: 'autoscaling', field: 'minReplicas', read: (raw) => parseWholeNumber(raw, checkPositiveInt32),
    help: 'the fewest pods the autoscaler keeps (with HELLO_NODE_MAX_REPLICAS)',
  }),
  HELLO_NODE_MAX_REPLICAS: fieldSetting({
    flag: '--max-replicas', value: '<n>', groups: ['app'], prop: 'autoscaling', field: 'maxReplicas', read: (raw) => parseWholeNumber(raw, checkPositiveInt32),
    help: 'autoscale the workload by CPU use, up to this many pods: a HorizontalPodAutoscaler (not with HELLO_NODE_REPLICAS)',
    docs: 'It needs a CPU request (HELLO_NODE_PROFILE=production has one). Deploys never reset the autoscaler\'s count: see [Autoscaling](#autoscaling)',
  }),
  HELLO_NODE_TARGET_CPU: fieldSetting({
    flag: '--target-cpu', value: '<percent>', groups: ['app'], prop: 'autoscaling', field: 'cpuUtilization',
    read: (raw) => parseWholeNumber(raw, checkPositiveInt32),
    help: 'the average CPU use the autoscaler aims at, in percent of the CPU request (with HELLO_NODE_MAX_REPLICAS)',
  }),
  HELLO_NODE_NAMESPACE: propSetting({
    flag: '--namespace', value: '<ns>', groups: ['app', 'deployed'], prop: 'namespace', read: (raw) => checkDns1123Label(raw.source, raw.value),
    help: 'namespace of the app\'s objects',
  }),
  HELLO_NODE_SERVICE_TYPE: propSetting({
    flag: '--service-type', value: '<type>', groups: ['app'], prop: 'serviceType', read: enumSetting(ServiceType),
    help: 'ClusterIP, NodePort or LoadBalancer',
  }),
  HELLO_NODE_WORKLOAD: propSetting({
    flag: '--workload', value: '<kind>', groups: ['app'], prop: 'workload', read: enumSetting(Workload),
    help: 'ReplicationController or Deployment', docs: 'See [Workload and profile](#workload-and-profile)',
  }),
  HELLO_NODE_PROFILE: propSetting({
    flag: '--profile', value: '<profile>', groups: ['app'], prop: 'profile', read: enumSetting(Profile),
    help: 'tutorial or production', docs: 'See [Workload and profile](#workload-and-profile)',
  }),
  HELLO_NODE_DOMAIN: propSetting({
    flag: '--domain', value: '<name>', groups: ['app'], prop: 'domain', read: (raw) => checkManagedCertificateDomain(raw.source, raw.value),
    help: 'serve the app on https://<name>/ through GKE\'s HTTP(S) load balancer and a Google-managed certificate',
    docs: 'Adds an Ingress, a ManagedCertificate, a FrontendConfig (HTTP to HTTPS) and a BackendConfig, and makes the Service a ClusterIP: see [HTTPS on your domain](#https-on-your-domain)',
  }),
  HELLO_NODE_STATIC_IP: propSetting({
    flag: '--static-ip', value: '<name>', groups: ['app'], prop: 'staticIpName', read: (raw) => checkComputeResourceName(raw.source, raw.value),
    help: 'the reserved global static address the Ingress takes (only with a domain)',
    docs: '`hello-node ip create` reserves it',
  }),
  HELLO_NODE_CONTEXT: {
    flag: '--context', value: '<name>', groups: ['kube'], unset: 'kubectl\'s current context',
    help: 'the kubeconfig context kubectl reaches the cluster through (kubectl config get-contexts lists them)',
    docs: 'Every kubectl command the CLI runs is given `--context`; `hello-node cluster credentials` makes GKE\'s, `gke_<project>_<location>_<cluster>`. An environment of its own cluster names it in `hello-node.yaml`: see [Environments](#environments)',
  },
  HELLO_NODE_PLATFORM: {
    flag: '--platform', value: '<os/arch>', groups: ['platform'], unset: 'the nodes\': linux/arm64 for an Arm machine series (t2a-, c4a-, n4a-), else linux/amd64',
    help: 'the platform images are built for, linux/amd64 or linux/arm64',
    docs: '`image build` and `up` build for it (`docker build --platform`), whatever your machine\'s is: an arm64 image on x86-64 nodes crash-loops with `exec format error`',
  },
  HELLO_NODE_BUILD_DIR: {
    flag: '--build-dir', value: '<dir>', groups: ['build'], default: 'app',
    help: 'the directory docker builds the image from (its Dockerfile inside), relative to the project root',
    docs: '`image build` and `up` run `docker build` on it; this repository\'s server is in `app/`, and a project of your own names its own',
  },
  GKE_CLUSTER: { flag: '--cluster', value: '<name>', groups: ['cluster'], default: 'hello-node', help: 'GKE cluster name' },
  GKE_ZONE: { flag: '--zone', value: '<zone>', groups: ['cluster'], default: 'asia-northeast1-c', help: 'GKE cluster zone, for a zonal cluster' },
  GKE_REGION: {
    flag: '--region', value: '<region>', groups: ['cluster'], unset: 'none',
    help: 'GKE cluster region, for a regional or Autopilot cluster, instead of the zone',
    docs: 'A `--zone` or `--region` flag wins over either variable',
  },
  // the reference workflow's nodes: 2 vCPU / 7.5 GB
  GKE_MACHINE_TYPE: { flag: '--machine-type', value: '<type>', groups: ['platform'], default: 'n1-standard-2', help: 'the nodes\' machine type (cluster create), which decides their platform' },
} as const satisfies { readonly [name: string]: SettingSpec | PropSettingSpec<keyof HelloNodeAppProps> | FieldSettingSpec<StructProp, FieldOf<StructProp>> };

/** Every setting's name, which is also its environment variable. */
export type SettingName = keyof typeof SETTINGS;

/**
 * The settings whose reader gives another type than their prop takes: `satisfies`
 * above checks each entry against the union of every prop's reader, so an entry
 * written without propSetting() could slip through it; this cannot.
 */
type MisreadSettings = {
  [N in SettingName]: (typeof SETTINGS)[N] extends { readonly prop: infer P extends StructProp; readonly field: infer F extends FieldOf<StructProp>; readonly read: (raw: RawSetting) => infer V }
    ? ([V] extends [NonNullable<NonNullable<HelloNodeAppProps[P]>[F]>] ? never : N)
    : (typeof SETTINGS)[N] extends { readonly prop: infer P extends keyof HelloNodeAppProps; readonly read: (raw: RawSetting) => infer V }
      ? ([V] extends [NonNullable<HelloNodeAppProps[P]>] ? never : N)
      : never
}[SettingName];
type MustBeNone<T extends never> = T;
/** Fails the type-check, naming the setting, when one reads a value its prop does not take. */
export type PropSettingsReadTheirPropsType = MustBeNone<MisreadSettings>;
export const SETTING_NAMES = Object.keys(SETTINGS) as SettingName[];

/** The settings that commands of `group` read. */
export const settingsOf = (...groups: SettingGroup[]): SettingName[] =>
  SETTING_NAMES.filter((name) => SETTINGS[name].groups.some((group) => groups.includes(group)));

type PropSettingName = { [N in SettingName]: (typeof SETTINGS)[N] extends { readonly prop: string } ? N : never }[SettingName];
type PlainSettingName = Exclude<SettingName, PropSettingName>;
type DefaultedSettingName = { [N in SettingName]: (typeof SETTINGS)[N] extends { readonly default: string } ? N : never }[SettingName];
/** The props that settings set. */
export type SettingProps = { -readonly [N in PropSettingName as (typeof SETTINGS)[N]['prop']]?: HelloNodeAppProps[(typeof SETTINGS)[N]['prop']] };

/** Whether the setting sets a HelloNodeApp prop (unset, the app's own prop, else the construct's default, stands). */
export const isPropSetting = (name: SettingName): name is PropSettingName => 'prop' in SETTINGS[name];
/** The field of an object prop that a setting sets, when it sets one. */
const fieldOf = (name: PropSettingName): string | undefined => ('field' in SETTINGS[name] ? (SETTINGS[name] as { readonly field: string }).field : undefined);
/** The path of the prop (`replicas`) or field (`autoscaling.maxReplicas`) a setting sets, as the library names it in errors. */
const propPathOf = (name: PropSettingName): string => [SETTINGS[name].prop, fieldOf(name)].filter(Boolean).join('.');

/** What an unset setting means, as help and the docs' "default" say it; `none` when it is simply not set. */
export function unsetMeaning(name: SettingName): string {
  if (isPropSetting(name)) {
    const prop: keyof HelloNodeAppProps = SETTINGS[name].prop;
    const field = fieldOf(name);
    const value = field === undefined
      ? (HELLO_NODE_APP_DEFAULTS as Partial<Record<keyof HelloNodeAppProps, unknown>>)[prop]
      : (AUTOSCALING_DEFAULTS as Partial<Record<string, unknown>>)[field];
    return value === undefined ? 'none' : String(value);
  }
  const spec: SettingSpec = SETTINGS[name as PlainSettingName];
  return spec.unset ?? spec.default ?? 'none';
}

/**
 * The docs' settings table, in Markdown: one row a setting, with its variable, flag,
 * default and meaning. docs/user-guide.md holds it, checked by a test.
 */
export function settingsTable(): string {
  const code = (text: string) => `\`${text}\``;
  const rows = SETTING_NAMES.map((name) => {
    const spec: SettingSpec = SETTINGS[name] as SettingSpec;
    const meaning = spec.docs ? `${spec.help}. ${spec.docs}` : spec.help;
    // outside code spans, a <placeholder> would be taken for an HTML tag
    const text = meaning.split('`').map((part, i) => (i % 2 === 0 ? part.replace(/</g, '&lt;') : part)).join('`');
    return `| ${code(name)} | ${code(`${spec.flag} ${spec.value}`)} | ${code(spec.flag.slice(2))} | ${code(unsetMeaning(name))} | ${text.replace(/\|/g, '\\|')} |`;
  });
  return ['| variable | flag | hello-node.yaml key | default | meaning |', '|---|---|---|---|---|', ...rows].join('\n');
}

/** The settings that name the image: what `image build` and `image push` use. */
export const IMAGE_SETTING_NAMES = settingsOf('image');
/** The settings of the app's objects, with the image's: what the cdk8s app (main.ts) reads. */
export const APP_SETTING_NAMES = settingsOf('app');
/** The settings of the GKE cluster: what the `cluster` commands use. */
export const CLUSTER_SETTING_NAMES = settingsOf('cluster');
/** The settings that decide the nodes' platform: what `cluster create` and `image build` use. */
export const PLATFORM_SETTING_NAMES = settingsOf('platform');
/** What only an image build reads. */
export const BUILD_SETTING_NAMES = settingsOf('build');
/** What every command that talks to the cluster through kubectl reads. */
export const KUBE_SETTING_NAMES = settingsOf('kube');

/** A setting's raw text and where it came from, for error messages. */
export interface RawSetting {
  readonly value: string;
  /** e.g. `environment variable GCP_PROJECT`. */
  readonly source: string;
  /** Whether it came from a command-line flag, which wins over any variable. */
  readonly fromFlag?: boolean;
  /** Where it came from, as `hello-node config` shows it: `flag`, `variable NAME` or `hello-node.yaml:LINE`. */
  readonly origin?: string;
}

/** Finds a setting's raw value; `undefined` when it is not set. */
export type SettingLookup = (name: SettingName) => RawSetting | undefined;

/** Reads settings from environment variables; an empty variable counts as unset. */
export function fromEnv(env: Readonly<Record<string, string | undefined>>): SettingLookup {
  return (name) => {
    const value = env[name];
    return value === undefined || value === '' ? undefined : { value, source: `environment variable ${name}`, origin: `variable ${name}` };
  };
}

/** The image that is built, pushed and deployed. */
export interface ImageSettings {
  /** The Google Cloud project that hosts the image. */
  readonly gcpProject: string;
  /** The registry host the image is pushed to (from IMAGE_REGISTRY, or HELLO_NODE_IMAGE's host). */
  readonly imageRegistry: string;
  /** The full image reference. */
  readonly image: string;
  /** Where the image reference came from, for errors about it. */
  readonly imageSource: string;
}

/** The app's objects, as the cdk8s app builds them. */
export interface AppSettings extends ImageSettings {
  /** The props the settings that are set give the app; the others keep the construct's defaults. */
  readonly props: SettingProps;
}

/** Where a GKE cluster is: a zone (one zone's nodes) or a region (nodes in three zones). */
export interface ClusterLocation {
  readonly kind: 'zone' | 'region';
  readonly name: string;
}

/** The GKE cluster. */
export interface ClusterSettings {
  /** The Google Cloud project of the cluster. */
  readonly gcpProject: string;
  /** The cluster's name. */
  readonly cluster: string;
  readonly location: ClusterLocation;
}

const WHOLE_NUMBER = /^[0-9]+$/;

function checkPattern(subject: string, value: string, pattern: RegExp, rule: string): string {
  if (!pattern.test(value)) {
    throw new ValidationError(subject, value, rule);
  }
  return value;
}

/** A Google Cloud project id: 6 to 30 lowercase letters, digits and '-', starting with a letter, not ending with '-'. */
export function checkGcpProject(subject: string, value: string): string {
  return checkPattern(subject, value, /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'must be a Google Cloud project id: 6 to 30 lowercase letters, digits and \'-\', starting with a letter and not ending with \'-\'');
}

/** A GKE cluster name: 1 to 40 lowercase letters, digits and '-', starting with a letter, not ending with '-'. */
export function checkClusterName(subject: string, value: string): string {
  return checkPattern(subject, value, /^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$/, 'must be a GKE cluster name: 1 to 40 lowercase letters, digits and \'-\', starting with a letter and not ending with \'-\'');
}

const REGION = /^[a-z]+(-[a-z]+)*-[a-z]+[0-9]+$/;

/** A Google Cloud zone: `<region>-<letter>`, e.g. asia-northeast1-c. */
export function checkZone(subject: string, value: string): string {
  const rule = REGION.test(value)
    ? 'must be a Google Cloud zone such as asia-northeast1-c; this is a region: set GKE_REGION (or --region) for a regional cluster'
    : 'must be a Google Cloud zone such as asia-northeast1-c or us-central1-a';
  return checkPattern(subject, value, /^[a-z]+(-[a-z]+)*-[a-z]+[0-9]+-[a-z]$/, rule);
}

/** A Google Cloud region, e.g. asia-northeast1 or us-central1. */
export function checkRegion(subject: string, value: string): string {
  return checkPattern(subject, value, REGION, 'must be a Google Cloud region such as asia-northeast1 or us-central1');
}

/** An Artifact Registry repository id: 1 to 63 lowercase letters, digits and '-', starting with a letter. */
export function checkRepository(subject: string, value: string): string {
  return checkPattern(subject, value, /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/, 'must be an Artifact Registry repository id: 1 to 63 lowercase letters, digits and \'-\', starting with a letter and not ending with \'-\'');
}

/** Artifact Registry's Docker hosts, `<location>-docker.pkg.dev`. */
export const ARTIFACT_REGISTRY_HOST = /^[a-z0-9-]+-docker\.pkg\.dev$/;
/** Google's registry hosts, which `gcloud auth configure-docker` can log docker in to. */
export function isGoogleRegistry(host: string): boolean {
  return ARTIFACT_REGISTRY_HOST.test(host) || /^([a-z]+\.)?gcr\.io$/.test(host);
}

/**
 * The registry host of an image reference: its first path component when that looks
 * like a host (has a '.' or ':', or is localhost), else Docker Hub.
 */
export function registryOf(image: string): string {
  const first = image.split('/')[0];
  return image.includes('/') && (/[.:]/.test(first) || first === 'localhost') ? first : 'docker.io';
}

const settingOrDefault = (lookup: SettingLookup, name: DefaultedSettingName): RawSetting =>
  lookup(name) ?? { value: SETTINGS[name].default, source: `default ${name}` };

/** Reads and checks GCP_PROJECT alone: for what is not the image (a static address). */
export function loadProject(lookup: SettingLookup): string {
  const project = settingOrDefault(lookup, 'GCP_PROJECT');
  return checkGcpProject(project.source, project.value);
}

/**
 * Reads and checks the image settings. A bad value throws a `ValidationError` naming
 * where it came from (the environment variable or flag).
 */
export function loadImageSettings(lookup: SettingLookup): ImageSettings {
  const project = settingOrDefault(lookup, 'GCP_PROJECT');
  const gcpProject = checkGcpProject(project.source, project.value);
  const imageOverride = lookup('HELLO_NODE_IMAGE');
  const typed = (['GCP_PROJECT', 'IMAGE_REGISTRY', 'IMAGE_REPOSITORY', 'IMAGE_TAG'] as const).map(lookup).find((raw) => raw?.fromFlag);
  if (imageOverride && typed) {
    // a typed flag is never silently ignored
    throw new ValidationError(typed.source, typed.value, `would be ignored: ${imageOverride.source} names the whole image; drop one of them`);
  }
  if (imageOverride) {
    const image = checkImage(imageOverride.source, imageOverride.value);
    return { gcpProject, imageRegistry: registryOf(image), image, imageSource: imageOverride.source };
  }
  const registry = settingOrDefault(lookup, 'IMAGE_REGISTRY');
  const tag = settingOrDefault(lookup, 'IMAGE_TAG');
  const image = composeImage(checkRegistryHost(registry.source, registry.value), registry.source, lookup('IMAGE_REPOSITORY'), gcpProject, checkImageTag(tag.source, tag.value));
  return { gcpProject, imageRegistry: registryOf(image), image, imageSource: 'IMAGE_REGISTRY, GCP_PROJECT and IMAGE_TAG' };
}

/**
 * Reads and checks a setting that sets a prop: what a deploy gives the app, when set.
 *
 * @returns `undefined` when it is not set
 */
export function loadPropSetting<N extends PropSettingName>(lookup: SettingLookup, name: N): ReturnType<(typeof SETTINGS)[N]['read']> | undefined {
  const raw = lookup(name);
  return raw && (SETTINGS[name].read as (raw: RawSetting) => ReturnType<(typeof SETTINGS)[N]['read']>)(raw);
}

/**
 * Reads and checks the settings of the app's objects (and its image), each alone and
 * then together as the construct checks its props (a static IP needs a domain, a domain
 * no LoadBalancer), so that a command refuses a combination before it builds or applies
 * anything, naming the flags or variables it came from.
 */
export function loadAppSettings(lookup: SettingLookup): AppSettings {
  const props: Partial<Record<keyof HelloNodeAppProps, unknown>> = {};
  // what names each prop or field in an error: where it came from, or, unset, its setting
  const sources: Partial<Record<string, string>> = {};
  // the values of the settings that make each struct prop (autoscaling), as given
  const given: Partial<Record<string, string[]>> = {};
  for (const name of SETTING_NAMES.filter(isPropSetting)) {
    const value = loadPropSetting(lookup, name);
    const { prop, flag } = SETTINGS[name];
    const field = fieldOf(name);
    const raw = lookup(name);
    const source = raw?.source;
    sources[propPathOf(name)] = source ?? `${name} (or ${flag})`;
    if (value !== undefined) {
      props[prop] = field === undefined ? value : { ...(props[prop] as object | undefined), [field]: value };
      if (field !== undefined) {
        // the object as a whole came from every setting of its fields that is set
        sources[prop] = [sources[prop], source].filter(Boolean).join(' and ');
        given[prop] = [...given[prop] ?? [], raw?.value ?? ''];
      }
    }
  }
  const image = loadImageSettings(lookup);
  // each read by its setting's typed reader
  const settingProps = props as SettingProps;
  try {
    resolveHelloNodeApp({ image: image.image, ...settingProps }, (prop) => sources[prop] ?? `HelloNodeApp prop "${prop}"`);
  } catch (err) {
    if (!(err instanceof ValidationError)) {
      throw err;
    }
    // a struct prop refused as a whole is named by its settings: their values, not the object they made
    const struct = Object.keys(given).find((prop) => sources[prop] === err.subject);
    throw struct === undefined ? err : new ValidationError(err.subject, given[struct]?.join(', '), err.rule);
  }
  return { ...image, props: settingProps };
}

/** Reads and checks the cluster's settings: a zone, or a region, never both. */
export function loadClusterSettings(lookup: SettingLookup): ClusterSettings {
  const project = settingOrDefault(lookup, 'GCP_PROJECT');
  const cluster = settingOrDefault(lookup, 'GKE_CLUSTER');
  let zone = lookup('GKE_ZONE');
  let region = lookup('GKE_REGION');
  // a flag wins over a variable, whichever kind of location each names
  if (zone && region && zone.fromFlag !== region.fromFlag) {
    [zone, region] = zone.fromFlag ? [zone, undefined] : [undefined, region];
  }
  if (zone && region) {
    throw new ValidationError(`${zone.source} and ${region.source}`, `${zone.value}, ${region.value}`, 'name one cluster location: a zone (zonal cluster) or a region (regional or Autopilot cluster), not both');
  }
  const location: ClusterLocation = region
    ? { kind: 'region', name: checkRegion(region.source, region.value) }
    : { kind: 'zone', name: checkZone(...sourceAndValue(zone ?? settingOrDefault(lookup, 'GKE_ZONE'))) };
  return {
    gcpProject: checkGcpProject(project.source, project.value),
    cluster: checkClusterName(cluster.source, cluster.value),
    location,
  };
}

const sourceAndValue = (raw: RawSetting): [string, string] => [raw.source, raw.value];

/**
 * HELLO_NODE_CONTEXT: the kubeconfig context every kubectl command is given, when set.
 * kubectl takes any name its kubeconfig has; one with a control character or spaces
 * around it is a slip, not a name (it would also break the lines that show it).
 *
 * @throws ValidationError naming where it came from
 */
export function loadKubeContext(lookup: SettingLookup): string | undefined {
  const context = lookup('HELLO_NODE_CONTEXT');
  return context && checkPattern(context.source, context.value, /^[^\s\p{Cc}](?:[^\p{Cc}]*[^\s\p{Cc}])?$/u, 'must be the name of a context of your kubeconfig, as `kubectl config get-contexts` lists it: no control characters, and no spaces around it');
}

/** A Compute Engine machine type: lowercase letters, digits and '-', e.g. e2-medium, n1-standard-2, t2a-standard-4. */
export function checkMachineType(subject: string, value: string): string {
  return checkPattern(subject, value, /^[a-z][a-z0-9]*(-[a-z0-9]+)+$/, 'must be a Compute Engine machine type such as n1-standard-2, e2-medium or t2a-standard-4');
}

/** The machine series whose CPUs are Arm: Tau T2A (Ampere Altra), C4A and N4A (Google Axion). */
export const ARM_MACHINE_SERIES: readonly string[] = ['t2a', 'c4a', 'n4a'];
/** The platforms GKE nodes run. */
export const PLATFORMS = ['linux/amd64', 'linux/arm64'] as const;
export type Platform = (typeof PLATFORMS)[number];

/** The nodes' machine type: what `cluster create` makes. */
export function loadMachineType(lookup: SettingLookup): string {
  return checkMachineType(...sourceAndValue(settingOrDefault(lookup, 'GKE_MACHINE_TYPE')));
}

/**
 * The platform images are built for: HELLO_NODE_PLATFORM, else the nodes', from the
 * machine type's series (an Arm series such as t2a- or c4a- is linux/arm64, any other
 * linux/amd64): an image of another platform crash-loops with `exec format error`.
 */
export function loadPlatform(lookup: SettingLookup): Platform {
  const platform = lookup('HELLO_NODE_PLATFORM');
  if (platform) {
    return checkOneOf(platform.source, platform.value, PLATFORMS);
  }
  return ARM_MACHINE_SERIES.includes(loadMachineType(lookup).split('-')[0]) ? 'linux/arm64' : 'linux/amd64';
}

/**
 * Reads HELLO_NODE_BUILD_DIR: the directory, relative to the project root (the working
 * directory of the CLI), that holds the Dockerfile docker builds the image from.
 *
 * @throws ValidationError when it is not a directory holding a Dockerfile
 */
export function loadBuildDir(lookup: SettingLookup): string {
  const dir = settingOrDefault(lookup, 'HELLO_NODE_BUILD_DIR');
  if (!fs.existsSync(path.join(dir.value, 'Dockerfile'))) {
    throw new ValidationError(dir.source, dir.value, `must be a directory holding the image's Dockerfile, relative to the project root (${process.cwd()}); set HELLO_NODE_BUILD_DIR (or --build-dir) to yours`);
  }
  // docker would read a directory named like an option as one
  return dir.value.startsWith('-') ? `./${dir.value}` : dir.value;
}

/**
 * `<registry>/<project>/hello-node:<tag>` for gcr.io hosts, and
 * `<registry>/<project>/<repository>/hello-node:<tag>` for Artifact Registry hosts,
 * whose images live in a named repository.
 */
function composeImage(registry: string, registrySource: string, repository: RawSetting | undefined, project: string, tag: string): string {
  const artifactRegistry = ARTIFACT_REGISTRY_HOST.test(registry);
  if (artifactRegistry && !repository) {
    throw new ValidationError(registrySource, registry, 'is an Artifact Registry host, whose images live in a repository: set IMAGE_REPOSITORY (or --repository) too');
  }
  if (!artifactRegistry && repository) {
    throw new ValidationError(repository.source, repository.value, `applies only to Artifact Registry hosts (<location>-docker.pkg.dev), not to ${registry}`);
  }
  const path = repository ? `${project}/${checkRepository(repository.source, repository.value)}` : project;
  return checkImage(`image composed from ${registrySource}, GCP_PROJECT and IMAGE_TAG`, `${registry}/${path}/${HELLO_NODE_APP_DEFAULTS.name}:${tag}`);
}

/**
 * Parses a whole number written in plain digits (Number() would also take '0x10',
 * '1e3' or ' 3 ') and checks it with `check`; an error quotes the text as written.
 */
export function parseWholeNumber(raw: RawSetting, check: (subject: string, value: unknown) => number): number {
  try {
    return check(raw.source, WHOLE_NUMBER.test(raw.value) ? Number(raw.value) : raw.value);
  } catch (err) {
    throw err instanceof ValidationError ? new ValidationError(raw.source, raw.value, err.rule) : err;
  }
}

/** The settings an image is composed of, `<registry>/<project>/[<repository>/]hello-node:<tag>`, without HELLO_NODE_IMAGE. */
export const COMPOSING_SETTING_NAMES = ['IMAGE_REGISTRY', 'GCP_PROJECT', 'IMAGE_REPOSITORY', 'IMAGE_TAG'] as const;

/**
 * `own`, the props the app gives its {@link HelloNodeApp}, with the settings that are
 * set applied over them (see HelloNodeSettings): a setting wins over the app's prop; a
 * replica count set takes the app's autoscaling away, and autoscaling set, the app's
 * count. HELLO_NODE_IMAGE names the image whatever the app's; an image composed of the
 * other image settings only stands in for none: the app's own image is not the
 * tutorial's `hello-node` image, whatever project gcloud is configured with.
 */
export function settingProps(lookup: SettingLookup, own: HelloNodeAppProps = {}): HelloNodeAppProps {
  const settings = loadAppSettings(lookup);
  const imageGiven = lookup('HELLO_NODE_IMAGE') !== undefined
    || (own.image === undefined && COMPOSING_SETTING_NAMES.some((name) => lookup(name) !== undefined));
  const merged: HelloNodeAppProps = { ...own, ...imageGiven ? { image: settings.image } : {}, ...settings.props };
  if (settings.props.autoscaling !== undefined && settings.props.replicas === undefined) {
    return { ...merged, replicas: undefined };
  }
  return settings.props.replicas !== undefined ? { ...merged, autoscaling: undefined } : merged;
}
