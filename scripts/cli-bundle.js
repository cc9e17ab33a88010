// From a clone, bin/hello-node.js runs the CLI's TypeScript sources bundled into one file,
// as the package runs the bundle `npm run build:cli` writes: loading src/cli.ts module by
// module through scripts/ts-hook.js cost some 60 ms more at each start, resolving and
// compiling some 130 files (docs/contributing.md, "Speed").
//
// esbuild bundles src/cli.ts into node_modules/.cache/hello-node-ts/cli/hello-node.js,
// beside a record of what it was built from: the content of every file it read (the
// bundled packages' too), of tsconfig.json, of esbuild's package.json and of this file
// (its options), and which file the bundle it wrote is. A run uses the bundle only when
// those files are byte for byte as recorded, and the bundle is that file, so an edited,
// checked-out, copied or patched source never runs stale; once they were found so, by
// their status (a few ms). The list of those inputs is the last build's (esbuild's
// metafile): a source that imports a new one has changed itself.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const cacheDir = path.join(root, 'node_modules', '.cache', 'hello-node-ts', 'cli');
const bundle = path.join(cacheDir, 'hello-node.js');
/**
 * What the bundle was built from: a line of JSON, `{ bundle: [inode, size], inputs:
 * [[input, bytes], ...] }`, then the inputs' content, one after the other.
 */
const record = path.join(cacheDir, 'inputs');
/** The status of those inputs, and of the record, when they were last found as recorded (JSON). */
const statusRecord = path.join(cacheDir, 'inputs.status');
// as `npm run build:cli` bundles it, but with a source map, which lets
// NODE_OPTIONS=--enable-source-maps point stack traces at the .ts lines (scripts/ts-hook.js);
// linked, not inline: V8 keeps an inline map's whole URL in the code cache, twice its size
const buildOptions = {
  entryPoints: ['src/cli.ts'],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minifyWhitespace: true,
  minifySyntax: true,
  external: ['./kubeconfig-client'],
  sourcemap: 'linked',
  sourcesContent: false,
  logLevel: 'silent',
};
/** What the bundle's content depends on besides the files esbuild reads. */
const ALWAYS_INPUTS = ['tsconfig.json', 'node_modules/esbuild/package.json', 'scripts/cli-bundle.js'];
/** How old a partial file is before a build removes it: one that a run killed mid-write left. */
const PARTIAL_AFTER_MS = 60_000;

/**
 * The path of the bundle of the current sources, built when they changed, or undefined
 * when it cannot be built (a syntax error, a read-only checkout): bin/hello-node.js then
 * runs the sources through scripts/ts-hook.js, whose errors name the file and line.
 */
function cliBundle() {
  try {
    if (isCurrent()) {
      return bundle;
    }
  } catch {
    // never built, or one of the last build's sources is gone
  }
  try {
    return build();
  } catch {
    return undefined;
  }
}

/**
 * Whether the inputs of the last build are as it recorded them: by their status (inode,
 * size, change time) as {@link statusRecord} last found them identical to the record, or
 * else byte for byte. A file's change time is the kernel's, set at every write and by no
 * one else, so a file whose status is unchanged since it was at least a second old is
 * unchanged.
 */
function isCurrent() {
  try {
    const { recordStatus, bundleStatus, inputs } = JSON.parse(fs.readFileSync(statusRecord, 'utf8'));
    if (sameStatus(record, recordStatus) && sameStatus(bundle, bundleStatus) && inputs.every(([input, status]) => sameStatus(path.join(root, input), status))) {
      return true;
    }
  } catch {
    // none yet for this record
  }
  // taken first: were the record replaced meanwhile, the status recorded below is not the new one's
  const recordStatus = statusOf(record);
  const recorded = fs.readFileSync(record);
  const headerEnd = recorded.indexOf('\n');
  const { bundle: written, inputs } = JSON.parse(recorded.subarray(0, headerEnd).toString());
  // the file the build wrote, not one an older build running beside it wrote later (taken
  // once: the status recorded below is of the file checked here)
  const bundleStatus = statusOf(bundle);
  if (bundleStatus[0] !== written[0] || bundleStatus[1] !== written[1]) {
    return false;
  }
  let at = headerEnd + 1;
  for (const [input, bytes] of inputs) {
    const content = fs.readFileSync(path.join(root, input));
    if (content.length !== bytes || !content.equals(recorded.subarray(at, at + bytes))) {
      return false;
    }
    at += bytes;
  }
  if (at !== recorded.length) {
    return false;
  }
  const statuses = inputs.map(([input]) => [input, statusOf(path.join(root, input))]);
  if (statuses.every(([, status]) => status[2] <= Date.now() - 1000)) {
    try {
      replace(statusRecord, JSON.stringify({ recordStatus, bundleStatus, inputs: statuses }));
    } catch {
      // the next run compares the bytes again
    }
  }
  return true;
}

/** A file's inode, size and change time (ms). */
function statusOf(file) {
  const { ino, size, ctimeMs } = fs.statSync(file);
  return [ino, size, ctimeMs];
}

const sameStatus = (file, status) => statusOf(file).every((value, i) => value === status[i]);

/** What a bundle made with `metafile` depends on: every file esbuild read, and {@link ALWAYS_INPUTS}. */
const inputsOf = (metafile) => [...new Set([...ALWAYS_INPUTS, ...Object.keys(metafile.inputs)])].sort();

function build() {
  const started = Date.now();
  fs.mkdirSync(cacheDir, { recursive: true });
  removeOldPartials();
  // from here until a new record is written, no run takes the bundle for current
  fs.rmSync(record, { force: true });
  const { metafile, outputFiles } = require('esbuild').buildSync({ ...buildOptions, absWorkingDir: root, outfile: bundle, metafile: true, write: false });
  const written = outputFiles.map((file) => replace(file.path, file.contents))[outputFiles.findIndex((file) => file.path === bundle)];
  // the file the bundle requires when a command talks to a cluster, which build:cli bundles
  // on its own: here the source, through the hook that runs it (and bundles its ES modules)
  const client = path.join(cacheDir, 'kubeconfig-client.js');
  replace(client, `require(${JSON.stringify(relative(client, 'scripts/ts-hook.js'))});\nmodule.exports = require(${JSON.stringify(relative(client, 'src/kube/kubeconfig-client.ts'))});\n`);
  const inputs = inputsOf(metafile);
  const contents = inputs.map((input) => fs.readFileSync(path.join(root, input)));
  // A source saved while esbuild read it could differ from what it bundled: one changed in
  // the last second (by its change time, which copies that keep a file's date, cp -p or
  // tar, cannot set back; file times are coarse), after or while it was read here, leaves
  // the bundle unrecorded, for this run only, and the next run builds again.
  if (inputs.every((input) => fs.statSync(path.join(root, input)).ctimeMs <= started - 1000)) {
    const header = JSON.stringify({ bundle: written, inputs: inputs.map((input, i) => [input, contents[i].length]) });
    replace(record, Buffer.concat([Buffer.from(`${header}\n`), ...contents]));
  }
  return bundle;
}

/** Removes the partial files of runs killed while they wrote (Ctrl-C during a build). */
function removeOldPartials() {
  for (const name of fs.readdirSync(cacheDir).filter((entry) => entry.endsWith('.tmp'))) {
    try {
      if (fs.statSync(path.join(cacheDir, name)).mtimeMs < Date.now() - PARTIAL_AFTER_MS) {
        fs.rmSync(path.join(cacheDir, name), { force: true });
      }
    } catch {
      // removed by a concurrent build
    }
  }
}

/** The path to `input` (relative to the clone) from beside `file`, which moves with the clone. */
function relative(file, input) {
  return path.relative(path.dirname(file), path.join(root, input));
}

/**
 * Writes `content` to `file` whole (write-then-rename): a concurrent run reads the old or
 * the new; a failed write leaves nothing.
 *
 * @returns the inode and size of the file written
 */
function replace(file, content) {
  const partial = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(partial, content);
    const { ino, size } = fs.statSync(partial);
    fs.renameSync(partial, file);
    return [ino, size];
  } catch (err) {
    fs.rmSync(partial, { force: true });
    throw err;
  }
}

module.exports = { cliBundle, cacheDir };
