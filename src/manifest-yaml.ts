/**
 * YAML for manifests that every reader reads back unchanged.
 *
 * cdk8s writes with the `yaml` package under YAML 1.1, so it quotes what a 1.1 reader
 * would misread (`yes`, `1_000`), but leaves `0o17` plain, which a YAML 1.2 reader
 * reads as the number 15. kubectl and Helm read YAML 1.1; other tools read 1.2. Here a
 * string is quoted whenever a YAML 1.1 *or* 1.2 reader would resolve it, plain, as
 * anything but that string. The resolution rules are not restated here: they are the
 * `yaml` package's own tag tests for its YAML 1.1 and 1.2 core schemas, handed to js-yaml
 * (which serialises manifests several times faster than `yaml`) as extra implicit types,
 * so that its dumper quotes every string either schema would resolve.
 */
import { Schema } from 'yaml';
import { DEFAULT_SCHEMA, dump, Type } from 'js-yaml';

const STRING_TAG = 'tag:yaml.org,2002:str';

/** Every pattern by which a YAML 1.1 or 1.2 reader resolves a plain scalar to something other than a string. */
const AMBIGUOUS = (['yaml-1.1', 'core'] as const)
  .flatMap((schema) => new Schema({ schema }).tags)
  .flatMap((tag) => (tag.tag !== STRING_TAG && tag.default && 'test' in tag && tag.test instanceof RegExp ? [tag.test] : []));

// A type that only ever matches for the dumper's ambiguity test: it has no
// `instanceOf` or `predicate`, so the dumper never uses it to represent a value.
const ambiguous = new Type('tag:hello-node,2026:ambiguous', {
  kind: 'scalar',
  resolve: (text: string | null) => text !== null && AMBIGUOUS.some((pattern) => pattern.test(text)),
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
