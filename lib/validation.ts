/**
 * The Kubernetes rules that props and settings are checked against, in one place.
 *
 * Each check takes a `subject` that says where the value came from (a construct's
 * prop, an environment variable) so that the error names it, the offending value
 * and the rule, and a mistake fails on the developer's machine instead of at
 * `kubectl apply` time. The rules are the API server's and the kubelet's own
 * (k8s.io/apimachinery/pkg/util/validation, k8s.io/api/core/v1 validation) and the
 * OCI distribution reference grammar for images.
 */

import { domainToASCII } from 'node:url';
import { IConstruct } from 'constructs';

/**
 * The library's errors' base, left out of the public API: jsii refuses an exported class whose base is
 * the built-in `Error` (a variable, to its type model), but not one that reaches it
 * through a class of the module's own.
 */
export abstract class LibraryError extends Error {}

/**
 * A value that breaks a Kubernetes rule: thrown by the constructs for a bad prop, its
 * message naming the prop, the value and the rule.
 *
 * TypeScript and JavaScript callers can catch it by class. jsii has no way to carry an
 * `Error` subclass to other languages, so it is hidden from the jsii assembly: Python,
 * Java, Go and .NET callers get their runtime's error with the same message.
 *
 * @internal
 */
export class ValidationError extends LibraryError {
  constructor(
    /** Where the value came from, e.g. `HelloNodeApp "app" prop "replicas"`. */
    public readonly subject: string,
    /** The offending value. */
    public readonly value: unknown,
    /** The rule it breaks, phrased as what a valid value must be. */
    public readonly rule: string,
  ) {
    super(`${subject}: ${describe(value)} is invalid: ${rule}`);
    this.name = 'ValidationError';
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') {
    return JSON.stringify(value);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) {
    return String(value);
  }
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/**
 * Names a construct's props in errors: `Kind "chart/id" prop "name"`. It takes the
 * scope and id rather than the construct, so props can be checked before the
 * construct joins the tree and a rejected one leaves nothing behind.
 */
export function propSubjects(kind: string, scope: IConstruct, id: string): (prop: string) => string {
  const path = scope.node.path ? `${scope.node.path}/${id}` : id;
  return (prop) => `${kind} "${path}" prop "${prop}"`;
}

function fail(subject: string, value: unknown, rule: string): never {
  throw new ValidationError(subject, value, rule);
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** The longest DNS label (RFC 1123), and so the longest Service or namespace name. */
export const MAX_DNS_LABEL_LENGTH = 63;
/** The longest DNS subdomain (RFC 1123), e.g. a ReplicationController name. */
export const MAX_DNS_SUBDOMAIN_LENGTH = 253;
const MAX_LABEL_NAME_LENGTH = 63;
const MAX_LABEL_VALUE_LENGTH = 63;
const MAX_PORT_NAME_LENGTH = 15;
/** The largest int32, the bound of most integer fields. */
export const MAX_INT32 = 2 ** 31 - 1;

/** Whether `value` is a map of fields (a JSON object): not null, an array or a primitive. */
export function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkString(subject: string, value: unknown): string {
  return typeof value === 'string' ? value : fail(subject, value, 'must be a string');
}

/**
 * A DNS-1123 label: what namespaces and container names must be.
 *
 * @returns the value, once checked
 */
export function checkDns1123Label(subject: string, value: unknown, maxLength = MAX_DNS_LABEL_LENGTH): string {
  const text = checkString(subject, value);
  const rule = `must be a DNS-1123 label: 1 to ${maxLength} characters, lowercase letters, digits and '-', starting and ending with a letter or digit`;
  return text.length <= maxLength && DNS1123_LABEL.test(text) ? text : fail(subject, value, rule);
}

/**
 * A DNS-1035 label: what Service names must be (they become DNS names, so they
 * must start with a letter).
 *
 * @returns the value, once checked
 */
export function checkDns1035Label(subject: string, value: unknown, maxLength = MAX_DNS_LABEL_LENGTH): string {
  const text = checkString(subject, value);
  const rule = `must be a DNS-1035 label: 1 to ${maxLength} characters, lowercase letters, digits and '-', starting with a letter and ending with a letter or digit`;
  return text.length <= maxLength && DNS1035_LABEL.test(text) ? text : fail(subject, value, rule);
}

// ManagedCertificate's spec.domains items (GoogleCloudPlatform/gke-managed-certs,
// deploy/managedcertificates-crd.yaml): at least two labels, the last starting with a letter.
const MANAGED_CERTIFICATE_DOMAIN = /^(([a-z0-9]+|[a-z0-9][-a-z0-9]*[a-z0-9])\.)+[a-z][-a-z0-9]*[a-z0-9]$/;
const MAX_MANAGED_CERTIFICATE_DOMAIN_LENGTH = 63;

/**
 * A domain a Google-managed certificate can cover: a fully qualified name, not a
 * wildcard, of at most 63 characters (the CRD's rule, stricter than a DNS-1123
 * subdomain's, which an Ingress host must also be).
 */
export function checkManagedCertificateDomain(subject: string, value: unknown): string {
  const text = checkString(subject, value);
  if (text.includes('*')) {
    fail(subject, value, 'may not be a wildcard: a Google-managed certificate covers exact domain names only');
  }
  const valid = text.length <= MAX_MANAGED_CERTIFICATE_DOMAIN_LENGTH && MANAGED_CERTIFICATE_DOMAIN.test(text) && isDns1123Subdomain(text);
  // an internationalized domain is valid in its ASCII (punycode) form, which DNS and the certificate use
  // eslint-disable-next-line no-control-regex -- any character outside ASCII
  const punycode = /[^\x00-\x7f]/.test(text) ? domainToASCII(text) : '';
  return valid ? text : fail(subject, value, `must be a fully qualified domain name such as shop.example.com: at most ${MAX_MANAGED_CERTIFICATE_DOMAIN_LENGTH} characters, dot-separated parts of lowercase letters, digits and '-', the last starting with a letter${punycode ? `; an internationalized domain is given in its punycode form: ${punycode}` : ''}`);
}

/** A Compute Engine resource name (RFC 1035), e.g. a static address: 1 to 63 lowercase letters, digits and '-', starting with a letter. */
export function checkComputeResourceName(subject: string, value: unknown): string {
  const text = checkString(subject, value);
  const valid = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/.test(text);
  return valid ? text : fail(subject, value, 'must be a Compute Engine resource name: 1 to 63 lowercase letters, digits and \'-\', starting with a letter and not ending with \'-\'');
}

function isDns1123Subdomain(text: string): boolean {
  return text.length <= MAX_DNS_SUBDOMAIN_LENGTH && DNS1123_SUBDOMAIN.test(text);
}

/**
 * A label key: an optional DNS-1123 subdomain prefix and '/', then a name of at most
 * 63 characters (alphanumerics, '-', '_', '.', starting and ending alphanumeric).
 */
export function checkLabelKey(subject: string, key: string): string {
  const slash = key.indexOf('/');
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (prefix !== undefined && !isDns1123Subdomain(prefix)) {
    fail(subject, key, `a label key's prefix (before '/') must be a DNS-1123 subdomain of at most ${MAX_DNS_SUBDOMAIN_LENGTH} characters, e.g. "example.com"`);
  }
  if (!(name.length <= MAX_LABEL_NAME_LENGTH && QUALIFIED_NAME_PART.test(name))) {
    fail(subject, key, `a label key's name (after any prefix) must be 1 to ${MAX_LABEL_NAME_LENGTH} characters of letters, digits, '-', '_' and '.', starting and ending with a letter or digit`);
  }
  return key;
}

/** A label value: empty, or at most 63 characters shaped like a label key's name. */
export function checkLabelValue(subject: string, value: unknown): string {
  const text = checkString(subject, value);
  const valid = text === '' || (text.length <= MAX_LABEL_VALUE_LENGTH && QUALIFIED_NAME_PART.test(text));
  return valid ? text : fail(subject, value, `a label value must be empty or 1 to ${MAX_LABEL_VALUE_LENGTH} characters of letters, digits, '-', '_' and '.', starting and ending with a letter or digit`);
}

/**
 * A label set, checked key by key and value by value.
 *
 * @param nonEmpty whether an empty set is an error (a selector that selects nothing
 *   would, for a Service, select every pod in the namespace)
 * @returns a frozen copy, so later changes to the caller's object cannot alter what was checked
 */
export function checkLabels(subject: string, labels: unknown, nonEmpty: boolean): Readonly<Record<string, string>> {
  if (!isMap(labels)) {
    fail(subject, labels, 'must be a map of label keys to label values');
  }
  const entries = Object.entries(labels);
  if (nonEmpty && entries.length === 0) {
    fail(subject, labels, 'must hold at least one label');
  }
  for (const [key, value] of entries) {
    checkLabelKey(`${subject} key`, key);
    checkLabelValue(`${subject} value of "${key}"`, value);
  }
  return Object.freeze(Object.fromEntries(entries) as Record<string, string>);
}

/** A whole number within [min, max]. */
export function checkInteger(subject: string, value: unknown, min: number, max: number): number {
  const valid = typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
  return valid ? value : fail(subject, value, `must be an integer from ${min} to ${max}`);
}

/** A TCP/UDP/SCTP port number: an integer from 1 to 65535. */
export function checkPort(subject: string, value: unknown): number {
  return checkInteger(subject, value, 1, 65535);
}

/** A replica count: an integer from 0 to 2^31-1 (the field is an int32). */
export function checkReplicas(subject: string, value: unknown): number {
  return checkInteger(subject, value, 0, MAX_INT32);
}

/**
 * A named port (IANA_SVC_NAME): at most 15 lowercase letters, digits and '-', with at
 * least one letter, no '--', starting and ending with a letter or digit.
 */
export function checkPortName(subject: string, value: unknown): string {
  const text = checkString(subject, value);
  const valid = text.length <= MAX_PORT_NAME_LENGTH && IANA_SVC_NAME.test(text) && /[a-z]/.test(text) && !text.includes('--');
  return valid ? text : fail(subject, value, `a port name must be 1 to ${MAX_PORT_NAME_LENGTH} lowercase letters, digits and '-', with at least one letter, no '--', starting and ending with a letter or digit`);
}

/** A port given by number (1-65535) or by a container port's name. */
export function checkPortOrName(subject: string, value: unknown): number | string {
  return typeof value === 'string' ? checkPortName(subject, value) : checkPort(subject, value);
}

/** The kubelet's port (k8s.io/kubernetes/pkg/cluster/ports KubeletPort). */
export const KUBELET_PORT = 10250;

/**
 * A Service's port, for its type. ValidateService (pkg/apis/core/validation) refuses
 * the kubelet's port on a LoadBalancer Service, "a workaround for broken cloud
 * environments that over-open firewalls". A NodePort Service has no such rule: its
 * `port` is only the cluster IP's; the node's port is `nodePort`.
 */
export function checkServicePort(subject: string, value: unknown, type: string): number {
  const port = checkPort(subject, value);
  return type === 'LoadBalancer' && port === KUBELET_PORT
    ? fail(subject, value, `may not be ${KUBELET_PORT} on a LoadBalancer Service: the API server keeps the kubelet's port from being exposed externally`)
    : port;
}

// resource.Quantity's grammar (k8s.io/apimachinery/pkg/api/resource/quantity.go):
// a decimal number, then a binary-SI suffix, a decimal-SI suffix or a decimal exponent.
const QUANTITY = /^([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$/;
const QUANTITY_FACTORS: Readonly<Record<string, number>> = {
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
};

/**
 * A non-negative resource quantity such as `100m`, `0.5`, `128Mi` or `1e3`.
 *
 * @returns its value, for comparing a limit with its request
 */
export function checkQuantity(subject: string, value: unknown): number {
  const match = QUANTITY.exec(checkString(subject, value));
  if (!match) {
    fail(subject, value, 'must be a non-negative Kubernetes quantity: a decimal number with an optional suffix Ki, Mi, Gi, Ti, Pi, Ei, n, u, m, k, M, G, T, P, E or an exponent e<n>, e.g. 100m or 128Mi');
  }
  const suffix = match[2] ?? '';
  const factor = QUANTITY_FACTORS[suffix] ?? 10 ** Number(suffix.slice(1));
  return Number(match[1]) * factor;
}

const BINARY_SUFFIX_POWERS: Readonly<Record<string, bigint>> = { Ki: 10n, Mi: 20n, Gi: 30n, Ti: 40n, Pi: 50n, Ei: 60n };
const DECIMAL_SUFFIX_EXPONENTS: Readonly<Record<string, bigint>> = { n: -9n, u: -6n, m: -3n, '': 0n, k: 3n, M: 6n, G: 9n, T: 12n, P: 15n, E: 18n };

/** A checked quantity's exact value, as a fraction: floating point would call 700m less than 0.7. */
function exactQuantity(text: string): { num: bigint; den: bigint } {
  const [, mantissa, suffix = ''] = QUANTITY.exec(text) ?? [];
  const [whole, fraction = ''] = mantissa.split('.');
  let num = BigInt(`${whole}${fraction}` || '0');
  let den = 10n ** BigInt(fraction.length);
  const binary = BINARY_SUFFIX_POWERS[suffix];
  const exponent = binary === undefined ? DECIMAL_SUFFIX_EXPONENTS[suffix] ?? BigInt(suffix.slice(1)) : 0n;
  if (binary !== undefined) {
    num *= 2n ** binary;
  }
  if (exponent >= 0n) {
    num *= 10n ** exponent;
  } else {
    den *= 10n ** -exponent;
  }
  return { num, den };
}

/** Compares two checked quantities exactly: negative when `a` is less than `b`, 0 when equal, positive when more. */
export function compareQuantities(a: string, b: string): number {
  const x = exactQuantity(a);
  const y = exactQuantity(b);
  const difference = x.num * y.den - y.num * x.den;
  return difference < 0n ? -1 : difference > 0n ? 1 : 0;
}

/** An HTTP path for a probe: starting with '/', without white space. */
export function checkHttpPath(subject: string, value: unknown): string {
  const text = checkString(subject, value);
  return /^\/\S*$/.test(text) ? text : fail(subject, value, 'must be an HTTP path starting with \'/\', without white space');
}

/** One of a fixed set of values, e.g. a platform. */
export function checkOneOf<T extends string>(subject: string, value: unknown, allowed: readonly T[]): T {
  return allowed.includes(value as T) ? (value as T) : fail(subject, value, `must be one of ${allowed.join(', ')}`);
}

/** A member of a string enum, e.g. `ServiceType`; callers without TypeScript may pass the member's string. */
export function checkEnum<T extends string>(subject: string, value: unknown, members: { readonly [name: string]: T }): T {
  return checkOneOf(subject, value, Object.values(members));
}

/**
 * A value made by one of a class's factories, e.g. `Probe.none()`: a plain object or
 * `false` (how earlier versions spelled "off") is refused rather than half-read.
 */
export function checkInstance<T extends object>(subject: string, value: unknown, type: { readonly prototype: T; readonly name: string }, factories: string): T {
  // a class with a private constructor is no `new`-able type for `instanceof`; its prototype is the same test
  return typeof value === 'object' && value !== null && Object.prototype.isPrototypeOf.call(type.prototype, value) ? (value as T) : fail(subject, value, `must be a ${type.name}, made by ${factories}`);
}

/**
 * An options object with its defaults applied: an option left out, `undefined` or
 * `null` takes its default, and one the defaults do not name (a misspelling) is refused.
 */
export function checkOptions<T extends object>(subject: string, given: unknown, defaults: Required<T>): Required<T> {
  if (!isMap(given)) {
    fail(subject, given, `must be an object of options: ${Object.keys(defaults).join(', ')}`);
  }
  const options = given as Record<string, unknown>;
  const unknown = Object.keys(options).find((key) => !(key in defaults));
  if (unknown !== undefined) {
    fail(`${subject} ${unknown}`, options[unknown], `is no option here: the options are ${Object.keys(defaults).join(', ')}`);
  }
  return Object.fromEntries(Object.entries(defaults).map(([key, value]) => [key, options[key] ?? value])) as Required<T>;
}

/** The largest total size of an object's annotations, keys and values (apimachinery TotalAnnotationSizeLimitB). */
export const MAX_ANNOTATIONS_SIZE = 256 * 1024;

/**
 * Annotations: keys shaped like label keys, any string values, and at most 256 KiB of
 * UTF-8 in all (ValidateAnnotations, k8s.io/apimachinery/pkg/api/validation/objectmeta.go,
 * which checks each key lowercased).
 *
 * @returns a frozen copy
 */
export function checkAnnotations(subject: string, annotations: unknown): Readonly<Record<string, string>> {
  if (!isMap(annotations)) {
    fail(subject, annotations, 'must be a map of annotation keys to string values');
  }
  let size = 0;
  for (const [key, value] of Object.entries(annotations)) {
    checkLabelKey(`${subject} key`, key.toLowerCase());
    size += Buffer.byteLength(key) + Buffer.byteLength(checkString(`${subject} value of "${key}"`, value));
  }
  if (size > MAX_ANNOTATIONS_SIZE) {
    fail(subject, `${size} bytes`, `annotations may total at most ${MAX_ANNOTATIONS_SIZE} bytes of keys and values`);
  }
  return Object.freeze({ ...annotations } as Record<string, string>);
}

/** The metadata fields a construct's `metadata` prop may set: the rest come from its other props. */
export interface ObjectLabelsAndAnnotations {
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

/**
 * A `metadata` prop: labels and annotations, each checked. Any other field is refused:
 * the name and namespace come from the construct's own props.
 */
export function checkMetadata(subject: string, metadata: unknown): ObjectLabelsAndAnnotations {
  if (!isMap(metadata)) {
    fail(subject, metadata, 'must be an ApiObjectMetadata object');
  }
  const { labels, annotations, ...others } = metadata as { labels?: unknown; annotations?: unknown };
  const other = Object.keys(others).find((key) => (others as Record<string, unknown>)[key] !== undefined);
  if (other !== undefined) {
    fail(`${subject} ${other}`, (others as Record<string, unknown>)[other], 'may not be set here: metadata takes labels and annotations; the name and namespace come from the construct\'s name and namespace props');
  }
  return {
    labels: labels === undefined ? undefined : checkLabels(`${subject} labels`, labels, false),
    annotations: annotations === undefined ? undefined : checkAnnotations(`${subject} annotations`, annotations),
  };
}

// The OCI distribution reference grammar (github.com/distribution/reference, regexp.go).
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN_NAME = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*`;
const IPV6 = '\\[(?:[a-fA-F0-9:]+)\\]';
const DOMAIN = `(?:${DOMAIN_NAME}|${IPV6})(?::[0-9]+)?`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const REMOTE_NAME = `${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const IMAGE_REFERENCE = new RegExp(`^((?:${DOMAIN}/)?${REMOTE_NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const REGISTRY_HOST = new RegExp(`^${DOMAIN}$`);
const IMAGE_TAG = new RegExp(`^${TAG}$`);
const MAX_IMAGE_NAME_LENGTH = 255;

/**
 * A container image reference, `[registry[:port]/]repository[:tag][@digest]`, by the
 * OCI distribution grammar: a lowercase repository path, a tag of at most 128
 * word characters, '.' and '-' (not starting with '.' or '-'), and a digest
 * `algorithm:hex` of at least 32 hex digits.
 */
export function checkImage(subject: string, value: unknown): string {
  const text = checkString(subject, value);
  const match = IMAGE_REFERENCE.exec(text);
  if (!match) {
    fail(subject, value, 'must be an image reference [registry[:port]/]repository[:tag][@digest]: a lowercase repository path (letters, digits, and single \'.\', \'_\', \'__\' or \'-\' runs between them), a tag of 1 to 128 letters, digits, \'_\', \'.\' and \'-\' not starting with \'.\' or \'-\', and a digest algorithm:hex of at least 32 hex digits');
  }
  if (match[1].length > MAX_IMAGE_NAME_LENGTH) {
    fail(subject, value, `an image's registry and repository together must be at most ${MAX_IMAGE_NAME_LENGTH} characters`);
  }
  return text;
}

/** An image registry host, optionally with a port: `gcr.io`, `us-docker.pkg.dev`, `localhost:5000`. */
export function checkRegistryHost(subject: string, value: unknown): string {
  const text = checkString(subject, value);
  return REGISTRY_HOST.test(text) ? text : fail(subject, value, 'must be a registry host name, optionally with a :port, e.g. gcr.io or us-docker.pkg.dev');
}

/** An image tag: 1 to 128 letters, digits, '_', '.' and '-', not starting with '.' or '-'. */
export function checkImageTag(subject: string, value: unknown): string {
  const text = checkString(subject, value);
  return IMAGE_TAG.test(text) ? text : fail(subject, value, 'must be an image tag: 1 to 128 letters, digits, \'_\', \'.\' and \'-\', not starting with \'.\' or \'-\'');
}
