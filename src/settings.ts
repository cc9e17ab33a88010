/**
 * The app's configuration: read from the environment (and, through the same lookup,
 * from CLI flags), checked by the library's own rules, and turned into construct
 * props. main.ts and the CLI both go through here, so the image that is built,
 * pushed and deployed is always the same one.
 */
import { HELLO_NODE_APP_DEFAULTS, HelloNodeAppProps, ServiceType } from '../lib';
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
  'IMAGE_TAG',
  'HELLO_NODE_IMAGE',
  'HELLO_NODE_REPLICAS',
  'HELLO_NODE_NAMESPACE',
  'HELLO_NODE_SERVICE_TYPE',
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
  /** The registry host the image is pushed to. */
  readonly imageRegistry: string;
  /** The image tag. */
  readonly imageTag: string;
  /** The full image reference that is built, pushed and deployed. */
  readonly image: string;
  /** Replicas, when set; otherwise the construct's default. */
  readonly replicas?: number;
  /** Namespace of the app's objects, when set. */
  readonly namespace?: string;
  /** Service type, when set; otherwise the construct's default. */
  readonly serviceType?: ServiceType;
}

/** The settings' defaults: the reference workflow's project, registry and tag. */
export const SETTING_DEFAULTS = {
  GCP_PROJECT: 'terrycho-sandbox',
  IMAGE_REGISTRY: 'gcr.io',
  IMAGE_TAG: 'v1',
} as const;

const GCP_PROJECT_ID = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
const WHOLE_NUMBER = /^[0-9]+$/;

/** A Google Cloud project id: 6 to 30 lowercase letters, digits and '-', starting with a letter, not ending with '-'. */
export function checkGcpProject(subject: string, value: string): string {
  if (!GCP_PROJECT_ID.test(value)) {
    throw new ValidationError(subject, value, 'must be a Google Cloud project id: 6 to 30 lowercase letters, digits and \'-\', starting with a letter and not ending with \'-\'');
  }
  return value;
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
  const gcpProject = checkGcpProject(project.source, project.value);
  const imageRegistry = checkRegistryHost(registry.source, registry.value);
  const imageTag = checkImageTag(tag.source, tag.value);

  const imageOverride = lookup('HELLO_NODE_IMAGE');
  const image = imageOverride
    ? checkImage(imageOverride.source, imageOverride.value)
    : checkImage(`image composed from ${registry.source}, ${project.source} and ${tag.source}`, `${imageRegistry}/${gcpProject}/${HELLO_NODE_APP_DEFAULTS.name}:${imageTag}`);

  const replicasText = lookup('HELLO_NODE_REPLICAS');
  const namespace = lookup('HELLO_NODE_NAMESPACE');
  const serviceType = lookup('HELLO_NODE_SERVICE_TYPE');

  return {
    gcpProject,
    imageRegistry,
    imageTag,
    image,
    replicas: replicasText && parseWholeNumber(replicasText, checkReplicas),
    namespace: namespace && checkDns1123Label(namespace.source, namespace.value),
    serviceType: serviceType && checkOneOf(serviceType.source, serviceType.value, Object.values(ServiceType)),
  };
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
  };
}
