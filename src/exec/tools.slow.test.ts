// The real executor (spawnTool) with the real kubectl: what the CLI meets when a tool
// does not behave as a well-fed pipe reader.
import { spawnSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { spawnTool } from './tools';

const kubectlFound = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
const discard = () => new Writable({ write: (_chunk, _encoding, done) => done() });

(kubectlFound ? test : test.skip)('a tool that exits before it reads its input (as Ctrl-C makes it) gives its exit code and stderr, never an EPIPE crash', async () => {
  // kubectl refuses an unknown flag before it reads stdin; 4 MiB does not fit the pipe's buffer
  const input = 'x'.repeat(4 * 1024 * 1024);
  const result = await spawnTool({ tool: 'kubectl', args: ['apply', '--no-such-flag', '-f', '-'], input }, { stream: false, echoStderr: false, out: discard(), err: discard() });
  expect(result.exitCode).toBe(1);
  expect(result.stderr).toContain('unknown flag: --no-such-flag');
});
