// Runs the real server the way the production pod runs it: the environment, probes
// and volumes come from the synthesized manifest, the working directory is read-only
// (as readOnlyRootFilesystem makes it), each emptyDir is a writable directory, and
// where the test runs as root the server runs as the manifest's numeric user. It is
// reached through the Service's targetPort and the probes' paths, on 127.0.0.1.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Testing } from 'cdk8s';
import { HelloNodeApp, Profile, Workload } from '../lib';
import { get } from '../test/http';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    }).on('error', reject);
  });
}


let root: string;
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

test('the production pod\'s server answers on the Service\'s targetPort and the probe paths, logs to the emptyDir only, and stops within the grace period', async () => {
  // the container port is free here, so the server listens where the manifest says
  const port = await freePort();
  const chart = Testing.chart();
  new HelloNodeApp(chart, 'app', { profile: Profile.PRODUCTION, workload: Workload.DEPLOYMENT, containerPort: port });
  const manifests = Testing.synth(chart);
  const pod = manifests.find((m) => m.kind === 'Deployment').spec.template.spec;
  const service = manifests.find((m) => m.kind === 'Service');
  const [container] = pod.containers;
  expect(container.securityContext.readOnlyRootFilesystem).toBe(true);

  // the container's filesystem, rooted in a temp dir: a read-only working directory
  // holding server.js, and each volume mount as a writable directory
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'hello-node-pod-'));
  fs.chmodSync(root, 0o755);
  const inPod = (p: string) => path.join(root, p);
  const workdir = inPod('/home/node/app');
  fs.mkdirSync(workdir, { recursive: true });
  fs.copyFileSync(path.join(__dirname, 'server.js'), path.join(workdir, 'server.js'));
  fs.chmodSync(workdir, 0o555);
  const mounts: string[] = container.volumeMounts.map((m: { mountPath: string }) => m.mountPath);
  for (const mount of mounts) {
    fs.mkdirSync(inPod(mount), { recursive: true, mode: 0o777 });
    fs.chmodSync(inPod(mount), 0o777); // as an emptyDir is
  }
  const env: Record<string, string> = Object.fromEntries(container.env.map((e: { name: string; value: string }) =>
    [e.name, mounts.some((m) => e.value.startsWith(`${m}/`)) ? inPod(e.value) : e.value]));

  // root ignores file modes: run as the manifest's user, as the kubelet would
  const asUser = process.getuid?.() === 0 ? { uid: pod.securityContext.runAsUser, gid: pod.securityContext.runAsGroup } : {};
  const child = spawn(process.execPath, [path.join(workdir, 'server.js')], {
    cwd: workdir,
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...asUser,
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  try {
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', () => stderr.includes('listening on') && resolve());
      exited.then((code) => reject(new Error(`server exited with ${code}: ${stderr}`)));
    });

    expect(service.spec.ports[0].targetPort).toBe(port);
    expect(await get(service.spec.ports[0].targetPort, '/')).toMatchObject({ status: 200, body: expect.stringMatching(/^Hello World! I'm /) });
    for (const probe of [container.readinessProbe, container.livenessProbe]) {
      expect(probe.httpGet.port).toBe(port);
      expect(await get(probe.httpGet.port, probe.httpGet.path)).toMatchObject({ status: 200, body: 'ok' });
    }

    const sigterm = Date.now();
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(Date.now() - sigterm).toBeLessThan(pod.terminationGracePeriodSeconds * 1000);
  } finally {
    child.kill('SIGKILL');
  }
  // one log line, for the one request that was not a probe; nothing in the working directory
  const logLines = fs.readFileSync(env.LOG_FILE, 'utf8').split('\n').filter(Boolean);
  expect(logLines).toHaveLength(1);
  expect(fs.readdirSync(workdir)).toEqual(['server.js']);
  expect(stderr).not.toContain('cannot');
});
