/**
 * The app's configuration: read from the environment (and, through the same lookup,
 * from CLI flags), checked by the library's own rules, and turned into construct
 * props. main.ts and the CLI both go through here, so the image that is built,
 * pushed and deployed is always the same one.
 */
// The library's cdk8s-free modules only: commands that do not synthesize never load cdk8s.
import type { HelloNodeAppProps } from '../lib';
import {
  checkDns1123Label,
  checkEnum,
  checkImage,
  checkImageTag,
  checkOneOf,
  checkRegistryHost,
  checkReplicas,
  HELLO_NODE_APP_DEFAULTS,
  Profile,
  ServiceType,
  ValidationError,
  Workload,
} from '../lib/internal';

/** The settings that name the image: what `image build` and `image push` use. */
export const IMAGE_SETTING_NAMES = ['GCP_PROJECT', 'IMAGE_REGISTRY', 'IMAGE_REPOSITORY', 'IMAGE_TAG', 'HELLO_NODE_IMAGE'] as const;
/** The settings of the app's objects, with the image's: what the cdk8s app (main.ts) reads. */
export const APP_SETTING_NAMES = [
  ...IMAGE_SETTING_NAMES,
  'HELLO_NODE_REPLICAS',
  'HELLO_NODE_NAMESPACE',
  'HELLO_NODE_SERVICE_TYPE',
  'HELLO_NODE_WORKLOAD',
  'HELLO_NODE_PROFILE',
] as const;
/** The settings of the GKE cluster: what the `cluster` commands use. */
export const CLUSTER_SETTING_NAMES = ['GCP_PROJECT', 'GKE_CLUSTER', 'GKE_ZONE', 'GKE_REGION'] as const;
/** The settings that decide the nodes' platform: what `cluster create` and `image build` use. */
export const PLATFORM_SETTING_NAMES = ['HELLO_NODE_PLATFORM', 'GKE_MACHINE_TYPE'] as const;
/** Every setting's name, which is also its environment variable. */
export const SETTING_NAMES = [...new Set([...APP_SETTING_NAMES, ...CLUSTER_SETTING_NAMES, ...PLATFORM_SETTING_NAMES])];
export type SettingName = (typeof APP_SETTING_NAMES)[number] | (typeof CLUSTER_SETTING_NAMES)[number] | (typeof PLATFORM_SETTING_NAMES)[number];

/** A setting's raw text and where it came from, for error messages. */
export interface RawSetting {
  readonly value: string;
  /** e.g. `environment variable GCP_PROJECT`. */
  readonly source: string;
  /** Whether it came from a command-line flag, which wins over any variable. */
  readonly fromFlag?: boolean;
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

/** The settings' defaults: the reference workflow's project, registry, tag, cluster and zone. */
// The image's parts are those of the construct's default image, so that the image
// composed from the defaults is that image (one home for it).
const [DEFAULT_REGISTRY, DEFAULT_PROJECT, DEFAULT_REPOSITORY_AND_TAG] = HELLO_NODE_APP_DEFAULTS.image.split('/');
export const SETTING_DEFAULTS = {
  GCP_PROJECT: DEFAULT_PROJECT,
  IMAGE_REGISTRY: DEFAULT_REGISTRY,
  IMAGE_TAG: DEFAULT_REPOSITORY_AND_TAG.split(':')[1],
  GKE_CLUSTER: 'hello-node',
  GKE_ZONE: 'asia-northeast1-c',
  // the reference workflow's nodes: 2 vCPU / 7.5 GB
  GKE_MACHINE_TYPE: 'n1-standard-2',
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

const settingOrDefault = (lookup: SettingLookup, name: keyof typeof SETTING_DEFAULTS): RawSetting =>
  lookup(name) ?? { value: SETTING_DEFAULTS[name], source: `default ${name}` };

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

/** Reads and checks HELLO_NODE_NAMESPACE: where the app is, for the commands that act on it once deployed. */
export function loadNamespace(lookup: SettingLookup): string | undefined {
  const namespace = lookup('HELLO_NODE_NAMESPACE');
  return namespace && checkDns1123Label(namespace.source, namespace.value);
}

/** Reads and checks HELLO_NODE_REPLICAS: the replicas a deploy gives the app's workload, when set. */
export function loadReplicas(lookup: SettingLookup): number | undefined {
  const replicas = lookup('HELLO_NODE_REPLICAS');
  return replicas && parseWholeNumber(replicas, checkReplicas);
}

/** Reads and checks the settings of the app's objects (and its image). */
export function loadAppSettings(lookup: SettingLookup): AppSettings {
  const serviceType = lookup('HELLO_NODE_SERVICE_TYPE');
  const workload = lookup('HELLO_NODE_WORKLOAD');
  const profile = lookup('HELLO_NODE_PROFILE');
  return {
    ...loadImageSettings(lookup),
    replicas: loadReplicas(lookup),
    namespace: loadNamespace(lookup),
    serviceType: serviceType && checkEnum(serviceType.source, serviceType.value, ServiceType),
    workload: workload && checkEnum(workload.source, workload.value, Workload),
    profile: profile && checkEnum(profile.source, profile.value, Profile),
  };
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
export function helloNodeAppProps(settings: AppSettings): HelloNodeAppProps {
  return {
    image: settings.image,
    replicas: settings.replicas,
    namespace: settings.namespace,
    serviceType: settings.serviceType,
    workload: settings.workload,
    profile: settings.profile,
  };
}
