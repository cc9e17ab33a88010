// No Docker engine here: the Dockerfile is checked by reading it with a Dockerfile parser.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DockerfileParser, Instruction } from 'dockerfile-ast';
import { HELLO_NODE_APP_DEFAULTS, HELLO_NODE_SERVER } from '../lib/internal';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- server.js is plain CommonJS
const { readConfig } = require('./server.js') as { readConfig: (env: object) => { port: number; logFile: string | null; shutdownTimeoutMs: number } };

const dockerfile = DockerfileParser.parse(fs.readFileSync(path.join(__dirname, 'Dockerfile'), 'utf8'));
const instructions = dockerfile.getInstructions();
const all = (keyword: string): Instruction[] => instructions.filter((i) => i.getKeyword() === keyword);
const last = (keyword: string): Instruction | undefined => all(keyword).at(-1);

describe('app/Dockerfile', () => {
  test('starts from an official Node LTS image pinned to an exact version', () => {
    const from = dockerfile.getFROMs();
    expect(from).toHaveLength(1);
    expect(from[0].getImageName()).toBe('node');
    const version = /^(\d+)\.(\d+)\.(\d+)(-[a-z0-9-]+)?$/.exec(from[0].getImageTag() ?? '');
    expect(version).not.toBeNull();
    const major = Number(version?.[1]);
    expect(major % 2).toBe(0); // even majors are the LTS lines
    expect(major).toBeGreaterThanOrEqual(22); // 20 reached end of life in April 2026
  });

  test('exposes the port HelloNodeApp targets by default, which is the server\'s default port', () => {
    expect(all('EXPOSE').map((i) => i.getArgumentsContent())).toEqual([String(HELLO_NODE_APP_DEFAULTS.containerPort)]);
    expect(readConfig({}).port).toBe(HELLO_NODE_SERVER.defaultPort);
  });

  test('runs as the numeric non-root user that the production profile\'s runAsUser names, who owns the working directory', () => {
    const owner = `${HELLO_NODE_SERVER.user}:${HELLO_NODE_SERVER.group}`;
    expect(last('USER')?.getArgumentsContent()).toBe(owner);
    const workdir = last('WORKDIR')?.getArgumentsContent();
    expect(workdir).toBeDefined();
    expect(all('RUN').map((i) => i.getArgumentsContent())).toContain(`chown ${owner} ${workdir}`);
    // USER comes before CMD, so the server never runs as root
    expect(instructions.indexOf(last('USER') as Instruction)).toBeLessThan(instructions.indexOf(last('CMD') as Instruction));
  });

  test('the server\'s own defaults are the ones HelloNodeApp leaves out of its environment', () => {
    expect(readConfig({})).toMatchObject({ logFile: 'log.out', shutdownTimeoutMs: HELLO_NODE_SERVER.defaultShutdownTimeoutMs });
    expect(readConfig({ LOG_FILE: HELLO_NODE_SERVER.logFileOff }).logFile).toBeNull();
  });

  test('runs node directly with an exec-form CMD, so that node gets SIGTERM', () => {
    const cmd = dockerfile.getCMDs();
    expect(cmd).toHaveLength(1);
    expect(JSON.parse(cmd[0].getArgumentsContent() ?? '')).toEqual(['node', 'server.js']);
    expect(dockerfile.getENTRYPOINTs()).toHaveLength(0);
  });

  test('copies only the server in', () => {
    const copies = dockerfile.getCOPYs();
    expect(copies.map((c) => c.getArguments().map((a) => a.getValue()))).toEqual([['server.js', './']]);
    expect(copies[0].getFlags().map((f) => `${f.getName()}=${f.getValue()}`)).toEqual([`chown=${HELLO_NODE_SERVER.user}:${HELLO_NODE_SERVER.group}`]);
    expect(all('ADD')).toHaveLength(0);
    const ignore = fs.readFileSync(path.join(__dirname, '.dockerignore'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
    expect(ignore).toEqual(['*', '!server.js']);
  });
});
