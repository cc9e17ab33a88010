/**
 * YAML for manifests that every reader reads back unchanged.
 *
 * cdk8s writes with the `yaml` package under YAML 1.1, so it quotes what a 1.1 reader
 * would misread (`yes`, `1_000`), but leaves `0o17` plain, which a YAML 1.2 reader
 * reads as the number 15. Here a string is quoted whenever one of the readers that
 * matter would resolve it, plain, as anything but that string:
 * - YAML 1.1 and YAML 1.2 (core): the `yaml` package's own tag tests for those schemas;
 * - kubectl's own reader, sigs.k8s.io/yaml over go-yaml v2, which follows neither: it
 *   removes every `_` from a scalar that starts with a digit or a sign and then tries
 *   Go's `strconv.ParseInt(s, 0, 64)`, so `0X1F`, `0O17`, `0B11`, `1_` and `0_x1` are
 *   numbers to it (resolve.go of go-yaml v2; kubectl 1.32 reads them so, as
 *   lib/manifest-yaml.slow.test.ts checks with the real kubectl).
 * These rules are handed to js-yaml (which serialises manifests several times faster
 * than `yaml`) as an extra implicit type, so that its dumper quotes every string any of
 * them would resolve. Quoting more than needed is harmless: a quoted scalar is a string
 * to every reader.
 */
import { Schema } from 'yaml';
import { DEFAULT_SCHEMA, dump, Type } from 'js-yaml';

const STRING_TAG = 'tag:yaml.org,2002:str';

/** Every pattern by which a YAML 1.1 or 1.2 reader resolves a plain scalar to something other than a string. */
const AMBIGUOUS = (['yaml-1.1', 'core'] as const)
  .flatMap((schema) => new Schema({ schema }).tags)
  .flatMap((tag) => (tag.tag !== STRING_TAG && tag.default && 'test' in tag && tag.test instanceof RegExp ? [tag.test] : []));

/**
 * Numbers as go-yaml v2 finds them in a scalar that starts with a digit or a sign,
 * once its underscores are gone: Go's integer syntax with any base prefix in either
 * case (and decimal digits of any length, which it reads as a float when they overflow),
 * and its YAML-style floats. A superset where the Go rules are finer (range errors).
 */
const GO_YAML_NUMBER = /^[-+]?(?:0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+|[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|\.[0-9]+(?:[eE][-+]?[0-9]+)?)$/;
/** A scalar that starts with `.`, which go-yaml v2 hands to Go's ParseFloat as it is (underscores between digits allowed). */
const GO_YAML_DOT_FLOAT = /^\.[0-9][0-9_]*(?:[eE][-+]?[0-9_]+)?$/;
/** go-yaml v2's table of words (resolve.go's resolveMap). */
const GO_YAML_WORDS = new Set([
  'y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON',
  'n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF',
  '~', 'null', 'Null', 'NULL', '.nan', '.NaN', '.NAN',
  '.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF', '-.inf', '-.Inf', '-.INF', '<<',
]);

/** Whether kubectl's YAML reader (go-yaml v2) resolves the plain scalar `text` to something other than a string. */
function kubectlReadsAsNonString(text: string): boolean {
  if (GO_YAML_WORDS.has(text)) {
    return true;
  }
  if (text.startsWith('.')) {
    return GO_YAML_DOT_FLOAT.test(text);
  }
  return /^[-+0-9]/.test(text) && GO_YAML_NUMBER.test(text.replace(/_/g, ''));
}

// A type that only ever matches for the dumper's ambiguity test: it has no
// `instanceOf` or `predicate`, so the dumper never uses it to represent a value.
const ambiguous = new Type('tag:hello-node,2026:ambiguous', {
  kind: 'scalar',
  resolve: (text: string | null) => text !== null && (AMBIGUOUS.some((pattern) => pattern.test(text)) || kubectlReadsAsNonString(text)),
});

const DUMP_OPTIONS = {
  schema: DEFAULT_SCHEMA.extend({ implicit: [ambiguous] }),
  // no anchors or aliases (each object stands alone, as cdk8s writes it), no line folding
  noRefs: true,
  lineWidth: -1,
  quotingType: '"',
  // cdk8s writes undefined values as null (the yaml package's keepUndefined); js-yaml would drop the key
  replacer: (_key: unknown, value: unknown) => (value === undefined ? null : value),
} as const;

const QUOTED_OPTIONS = { ...DUMP_OPTIONS, forceQuotes: true } as const;

/**
 * A multi-line string with a line that starts or ends in white space (or holds
 * nothing else) would be a block scalar whose reading depends on the reader's
 * handling of indentation: js-yaml and the yaml package disagree on `|2-` blocks of
 * space-only lines. Such strings are written double-quoted instead.
 */
const RISKY_LINE = /(^|\n)[ \t]|[ \t](\n|$)/;

function hasRiskyBlock(value: unknown): boolean {
  if (typeof value === 'string') {
    return value.includes('\n') && RISKY_LINE.test(value);
  }
  if (typeof value === 'object' && value !== null) {
    return Object.values(value).some(hasRiskyBlock);
  }
  return false;
}

/**
 * Serialises documents as cdk8s's `Yaml.stringify` lays them out (each one on its
 * own, separated by `---`; an undefined document becomes an empty one), with strings
 * quoted wherever YAML 1.1 or 1.2 could read them as anything else.
 */
export function stringifyManifests(docs: readonly unknown[]): string {
  // forceQuotes quotes every string of the document, not just the risky one: js-yaml
  // has no per-value style, and such documents are rare
  return docs.map((doc) => (doc === undefined ? '\n' : dump(doc, hasRiskyBlock(doc) ? QUOTED_OPTIONS : DUMP_OPTIONS))).join('---\n');
}
