/**
 * The app's configuration: read from the environment (and, through the same lookup,
 * from CLI flags), checked by the library's own rules, and turned into construct
 * props. main.ts and the CLI both go through here, so the image that is built,
 * pushed and deployed is always the same one.
 */
import { HELLO_NODE_APP_DEFAULTS, HelloNodeAppProps, Profile, PROFILES, SERVICE_TYPES, ServiceType, Workload, WORKLOADS } from '../lib';
import {
  checkDns1123Label,
  checkImage,
  checkImageTag,
  checkOneOf,
  checkRegistryHost,
  checkReplicas,
  ValidationError,
} from '../lib/validation';

/** The settings' names, which are also their environment variables. */
export const SETTING_NAMES = [
  'GCP_PROJECT',
  'IMAGE_REGISTRY',
  'IMAGE_REPOSITORY',
  'IMAGE_TAG',
  'HELLO_NODE_IMAGE',
  'HELLO_NODE_REPLICAS',
  'HELLO_NODE_NAMESPACE',
  'HELLO_NODE_SERVICE_TYPE',
  'HELLO_NODE_WORKLOAD',
  'HELLO_NODE_PROFILE',
  'GKE_CLUSTER',
  'GKE_ZONE',
] as const;
export type SettingName = (typeof SETTING_NAMES)[number];

/** A setting's raw text and where it came from, for error messages. */
export interface RawSetting {
  readonly value: string;
  /** e.g. `environment variable GCP_PROJECT`. */
  readonly source: string;
}

/** Finds a setting's raw value; `undefined` when it is not set. */
export type SettingLookup = (name: SettingName) => RawSetting | undefined;

/** Reads settings from environment variables; an empty variable counts as unset. */
export function fromEnv(env: Readonly<Record<string, string | undefined>>): SettingLookup {
  return (name) => {
    const value = env[name];
    return value === undefined || value === '' ? undefined : { value, source: `environment variable ${name}` };
  };
}

/** The checked configuration. */
export interface Settings {
  /** The Google Cloud project that hosts the image (and the cluster). */
  readonly gcpProject: string;
  /** The registry host the image is pushed to (from IMAGE_REGISTRY, or HELLO_NODE_IMAGE's host). */
  readonly imageRegistry: string;
  /** The full image reference that is built, pushed and deployed. */
  readonly image: string;
  /** Replicas, when set; otherwise the construct's default. */
  readonly replicas?: number;
  /** Namespace of the app's objects, when set. */
  readonly namespace?: string;
  /** Service type, when set; otherwise the construct's default. */
  readonly serviceType?: ServiceType;
  /** The workload kind, when set; otherwise the construct's default. */
  readonly workload?: Workload;
  /** The profile, when set; otherwise the construct's default. */
  readonly profile?: Profile;
  /** The GKE cluster's name. */
  readonly cluster: string;
  /** The GKE cluster's zone. */
  readonly zone: string;
}

/** The settings' defaults: the reference workflow's project, registry and tag. */
export const SETTING_DEFAULTS = {
  GCP_PROJECT: 'terrycho-sandbox',
  IMAGE_REGISTRY: 'gcr.io',
  IMAGE_TAG: 'v1',
  GKE_CLUSTER: 'terry-gke-10',
  GKE_ZONE: 'asia-northeast1-c',
} as const;

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

/** A Google Cloud zone: `<region>-<letter>`, e.g. asia-northeast1-c. */
export function checkZone(subject: string, value: string): string {
  return checkPattern(subject, value, /^[a-z]+(-[a-z]+)+[0-9]+-[a-z]$/, 'must be a Google Cloud zone such as asia-northeast1-c or us-central1-a');
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

/**
 * Reads and checks every setting. A bad value throws a `ValidationError` naming
 * where it came from (the environment variable or flag).
 */
export function loadSettings(lookup: SettingLookup): Settings {
  const text = (name: keyof typeof SETTING_DEFAULTS): RawSetting =>
    lookup(name) ?? { value: SETTING_DEFAULTS[name], source: `default ${name}` };

  const project = text('GCP_PROJECT');
  const registry = text('IMAGE_REGISTRY');
  const tag = text('IMAGE_TAG');
  const cluster = text('GKE_CLUSTER');
  const zone = text('GKE_ZONE');
  const gcpProject = checkGcpProject(project.source, project.value);
  const imageOverride = lookup('HELLO_NODE_IMAGE');
  const image = imageOverride
    ? checkImage(imageOverride.source, imageOverride.value)
    : composeImage(checkRegistryHost(registry.source, registry.value), registry.source, lookup('IMAGE_REPOSITORY'), gcpProject, checkImageTag(tag.source, tag.value));

  const replicasText = lookup('HELLO_NODE_REPLICAS');
  const namespace = lookup('HELLO_NODE_NAMESPACE');
  const serviceType = lookup('HELLO_NODE_SERVICE_TYPE');
  const workload = lookup('HELLO_NODE_WORKLOAD');
  const profile = lookup('HELLO_NODE_PROFILE');

  return {
    gcpProject,
    imageRegistry: registryOf(image),
    image,
    replicas: replicasText && parseWholeNumber(replicasText, checkReplicas),
    namespace: namespace && checkDns1123Label(namespace.source, namespace.value),
    serviceType: serviceType && checkOneOf(serviceType.source, serviceType.value, SERVICE_TYPES),
    workload: workload && checkOneOf(workload.source, workload.value, WORKLOADS),
    profile: profile && checkOneOf(profile.source, profile.value, PROFILES),
    cluster: checkClusterName(cluster.source, cluster.value),
    zone: checkZone(zone.source, zone.value),
  };
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

/** The props of the app's {@link HelloNodeApp}; unset settings keep the construct's defaults. */
export function helloNodeAppProps(settings: Settings): HelloNodeAppProps {
  return {
    image: settings.image,
    replicas: settings.replicas,
    namespace: settings.namespace,
    serviceType: settings.serviceType,
    workload: settings.workload,
    profile: settings.profile,
  };
}
