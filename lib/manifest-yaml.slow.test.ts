// Strings as kubectl reads them: whatever the synth writes (lib/manifest-yaml.ts), the
// real kubectl decodes back into the same strings, as data values, as map keys and as
// label values. kubectl's reader is go-yaml v2 through sigs.k8s.io/yaml, which reads
// `0X1F` or `1_` as numbers where YAML 1.1 and 1.2 readers see strings; a number where
// the API wants a string makes kubectl refuse the whole file.
//
// `kubectl annotate --local -f <file> -o json` decodes a file without a server, so this
// needs no cluster; the strings go through it in batches, one file each.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { stringifyManifests } from './manifest-yaml';

const kubectlFound = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;

let work: string;
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'kubectl-yaml-'));
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

interface Decoded {
  readonly metadata: { readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly data?: Record<string, string>;
}

/** The ConfigMap as the real kubectl decodes it from the file the synth's writer makes. */
function throughKubectl(configMap: object): Decoded {
  const file = path.join(work, 'batch.yaml');
  fs.writeFileSync(file, stringifyManifests([configMap]));
  // no kubeconfig: --local decodes the file and never contacts a server
  const run = spawnSync('kubectl', ['annotate', '--local', '-f', file, 'checked=yes', '--output', 'json'], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: work, KUBECONFIG: path.join(work, 'none') },
  });
  if (run.status !== 0) {
    throw new Error(`kubectl could not read what the writer wrote: ${run.stderr.trim()}\n${fs.readFileSync(file, 'utf8')}`);
  }
  return JSON.parse(run.stdout) as Decoded;
}

const digits = (chars: string) => fc.string({ unit: fc.constantFrom(...chars.split('')), minLength: 1, maxLength: 6 });
/** Strings shaped like what some YAML reader takes for a number, a boolean, a null or a date. */
const misreadable = fc.oneof(
  fc.tuple(
    fc.constantFrom('', '+', '-', '_', '+_', '-_'),
    fc.constantFrom('', '0x', '0X', '0o', '0O', '0b', '0B', '0', '.', '0_', '0_x', '_0x'),
    digits('0123456789abcdefABCDEF_'),
    fc.constantFrom('', '.', '.5', '_', 'e3', 'E+3', 'e-0_1', 'e', '.5e3', 'p3', '_1'),
  ).map((parts) => parts.join('')),
  fc.constantFrom(
    'y', 'Y', 'n', 'N', 'yes', 'No', 'ON', 'off', 'True', 'FALSE', '~', 'null', 'Null', '<<', '=',
    '.inf', '-.Inf', '+.INF', '.nan', '.NaN', 'inf', 'Infinity', 'NaN',
    '2001-12-14', '2001-12-14t21:59:43.10-05:00', '2001-1-2 3:4:5', '12:30:45', '1:2', '190:20:30',
    '0o17', '1_000', '0x_1F', '-0b1', '0b_1', '1e400', '99999999999999999999', '010', '08', '0.', '.5', '._5',
  ),
  fc.string({ maxLength: 8 }),
);

(kubectlFound ? describe : describe.skip)('what the writer writes, the real kubectl reads back as the same strings', () => {
  test('as data values, map keys and label values', () => {
    fc.assert(fc.property(fc.uniqueArray(misreadable, { minLength: 1, maxLength: 150 }), (strings) => {
      const entries = strings.map((s, i) => [`k${i}`, s]);
      const decoded = throughKubectl({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'strings', labels: Object.fromEntries(entries), annotations: Object.fromEntries(strings.map((s) => [s, s])) },
        data: Object.fromEntries(entries),
      });
      expect(decoded.data).toEqual(Object.fromEntries(entries));
      expect(decoded.metadata.labels).toEqual(Object.fromEntries(entries));
      expect(decoded.metadata.annotations).toEqual({ ...Object.fromEntries(strings.map((s) => [s, s])), checked: 'yes' });
    }), { numRuns: 25 });
  }, 120_000);

  test.each(['0X1F', '0O17', '0B11', '1_', '0_x1', '1_000.5', '+_1', '.5e3'])('%s, which go-yaml v2 alone reads as a number', (text) => {
    expect(throughKubectl({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'one' }, data: { [text]: text } }).data).toEqual({ [text]: text });
  });
});
