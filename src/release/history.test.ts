import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { NotDeployedError } from '../kube/applyset';
import { defaultRollbackTarget, historyRows, objectsOf, recordRevision, Revision, RevisionStatus, rollbackTarget } from './history';
import { parseHistoryMax, parseRevision } from './history-flags';
import { createRunner } from '../exec/tools';
import { validationErrorOf } from '../../test/errors';

const APPLY_SET = { app: 'hello-node', parent: 'hello-node-applyset', namespace: 'shop', id: 'applyset-x-v1' };

/** A revision as listRevisions reads it from its Secret, holding `manifests` as the synth wrote them. */
function revision(number: number, status: RevisionStatus, manifests = `kind: ReplicationController\nimage: v${number}\n`, data?: string): Revision {
  return {
    number,
    status,
    time: `2026-11-29T10:0${number}:00.000Z`,
    description: 'deploy',
    images: [`gcr.io/p/hello-node:v${number}`],
    secret: {
      kind: 'Secret',
      metadata: { name: `hello-node-revision-${number}` },
      data: { 'manifests.yaml.gz': data ?? gzipSync(manifests).toString('base64') },
    },
  };
}

describe('the default rollback target', () => {
  test('is the deployed revision before the current one', () => {
    expect(defaultRollbackTarget([revision(1, 'deployed'), revision(2, 'deployed')])?.number).toBe(1);
  });

  test('after a deploy that did not finish, is the current revision, whose objects that deploy changed', () => {
    expect(defaultRollbackTarget([revision(1, 'deployed'), revision(2, 'deployed'), revision(3, 'failed')])?.number).toBe(2);
    expect(defaultRollbackTarget([revision(1, 'deployed'), revision(2, 'pending')])?.number).toBe(1);
  });

  test('skips failed revisions and revisions that hold what the current one holds (after a rollback, not the same release again)', () => {
    const same = 'kind: ReplicationController\nimage: v1\n';
    const revisions = [revision(1, 'deployed', same), revision(2, 'deployed'), revision(3, 'failed'), revision(4, 'deployed', same)];
    expect(defaultRollbackTarget([...revisions, revision(5, 'deployed', 'kind: ReplicationController\nimage: v2\n')])?.number).toBe(4);
    expect(defaultRollbackTarget(revisions)?.number).toBe(2);
  });

  test('after a rollback to N that did not finish (interrupted, or failed), is N again: the rollback goes on toward its own target', () => {
    const interrupted = (status: RevisionStatus): Revision => ({ ...revision(3, status, 'kind: ReplicationController\nimage: v1\n'), description: 'rollback to 1', rollbackOf: 1 });
    expect(defaultRollbackTarget([revision(1, 'deployed'), revision(2, 'deployed'), interrupted('failed')])?.number).toBe(1);
    expect(defaultRollbackTarget([revision(1, 'deployed'), revision(2, 'deployed'), interrupted('pending')])?.number).toBe(1);
    // finished, it is the current revision: the next rollback goes back from it as usual
    expect(defaultRollbackTarget([revision(1, 'deployed'), revision(2, 'deployed'), interrupted('deployed')])?.number).toBe(2);
  });

  test('is none with a single successful revision, or none at all', () => {
    expect(defaultRollbackTarget([revision(1, 'deployed')])).toBeUndefined();
    expect(defaultRollbackTarget([revision(1, 'failed')])).toBeUndefined();
    expect(defaultRollbackTarget([])).toBeUndefined();
  });

  test('is never a revision whose objects cannot be read', () => {
    expect(defaultRollbackTarget([revision(1, 'deployed', '', 'not gzip'), revision(2, 'deployed')])).toBeUndefined();
  });
});

describe('rollbackTarget', () => {
  const revisions = [revision(1, 'deployed'), revision(2, 'applied'), revision(3, 'failed'), revision(4, 'pending')];

  test('takes any revision that was applied in full, --no-wait\'s included', () => {
    expect(rollbackTarget(revisions, APPLY_SET, 1).number).toBe(1);
    expect(rollbackTarget(revisions, APPLY_SET, 2).number).toBe(2);
  });

  test.each([
    [3, 'is a revision whose deploy did not finish (failed): roll back to one that was deployed'],
    [4, 'is a revision whose deploy did not finish (pending): roll back to one that was deployed'],
    [9, 'must be a revision the history keeps: 1 (superseded), 2 (applied), 3 (failed), 4 (pending)'],
  ])('refuses revision %i, naming the flag and why', (number, rule) => {
    const err = validationErrorOf(() => rollbackTarget(revisions, APPLY_SET, number));
    expect([err.subject, err.value, err.rule]).toEqual(['flag --to-revision', number, rule]);
  });

  test('with nothing to go back to, says so and where to look', () => {
    expect(() => rollbackTarget([revision(1, 'deployed')], APPLY_SET)).toThrow(new NotDeployedError('there is no earlier successful revision to roll back to in namespace shop (revisions: 1 (deployed)); `hello-node history` lists them'));
  });
});

test('a revision\'s objects are read back as the synth wrote them; unreadable ones are refused, naming the Secret', () => {
  expect(objectsOf(revision(1, 'deployed', 'kind: Service\nmetadata: {name: a}\n---\nkind: Service\nmetadata: {name: b}\n')).map((o) => o.metadata.name)).toEqual(['a', 'b']);
  expect(() => objectsOf(revision(2, 'deployed', '', 'bm90IGd6aXA='))).toThrow(/^secret\/hello-node-revision-2 holds no readable manifests\.yaml\.gz .*: revision 2 cannot be applied again; roll back to another one$/);
  expect(() => objectsOf(revision(3, 'deployed', 'kind: [unclosed\n'))).toThrow(NotDeployedError);
});

test('history lists the revisions in columns, the current one marked, older deployed ones superseded, failures with their cause', () => {
  const failed = { ...revision(3, 'failed'), failure: 'pod/p: cannot pull image' };
  expect(historyRows([revision(1, 'deployed'), revision(2, 'deployed'), failed])).toEqual([
    'REVISION  TIME                      STATUS      IMAGES                  DESCRIPTION',
    '1         2026-11-29T10:01:00.000Z  superseded  gcr.io/p/hello-node:v1  deploy',
    '2 *       2026-11-29T10:02:00.000Z  deployed    gcr.io/p/hello-node:v2  deploy',
    '3         2026-11-29T10:03:00.000Z  failed      gcr.io/p/hello-node:v3  deploy: pod/p: cannot pull image',
  ]);
});

test.each(['0', '-1', '1e3', '2x', ' 2', '1234567890'])('--to-revision %j is refused', (text) => {
  expect(() => parseRevision('flag --to-revision', text)).toThrow('must be a revision number');
});

test.each([['0', 0], ['10', 10]])('--history-max %j keeps %i (0: all)', (text, max) => {
  expect(parseHistoryMax(text)).toBe(max);
});

test.each(['-1', 'ten', '1.5', ''])('--history-max %j is refused', (text) => {
  expect(() => parseHistoryMax(text)).toThrow('must be how many revisions to keep');
});

describe('recordRevision', () => {
  // A stand-in for kubectl: the race it answers (a Secret created under the chosen name
  // between the look and the create) cannot be made to happen on cue with the real one.
  test('a name taken meanwhile is refused, and the Secret under it is never taken for this revision', async () => {
    const discard = { write: () => true } as unknown as NodeJS.WritableStream;
    const runner = createRunner({
      dryRun: false,
      out: discard,
      err: discard,
      execute: async (command) => (command.args[0] === 'get'
        ? { exitCode: 0, stdout: 'secret/hello-node-revision-1\nsecret/other\n', stderr: '' }
        : { exitCode: 1, stdout: '', stderr: 'Error from server (AlreadyExists): error when creating "STDIN": secrets "hello-node-revision-2" already exists\n' }),
    });
    const told: (number | undefined)[] = [];
    await expect(recordRevision(runner, APPLY_SET, [], { description: 'deploy' }, 0, (number) => told.push(number)))
      .rejects.toThrow(new NotDeployedError('secret/hello-node-revision-2 was created by someone else while this command numbered its revision 2: nothing was applied; run it again'));
    expect(told).toEqual([2, undefined]);
  });

  test('objects too large for a Secret are refused before anything runs, saying why', async () => {
    const calls: (readonly string[])[] = [];
    const discard = { write: () => true } as unknown as NodeJS.WritableStream;
    const runner = createRunner({ dryRun: false, out: discard, err: discard, execute: async (command) => {
      calls.push(command.args);
      return { exitCode: 0, stdout: '', stderr: '' };
    } });
    // random bytes, which gzip cannot shrink below the API server's 1 MiB
    const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big' }, data: { blob: randomBytes(1536 * 1024).toString('base64') } };
    const told: (number | undefined)[] = [];
    await expect(recordRevision(runner, APPLY_SET, [configMap], { description: 'deploy' }, 0, (number) => told.push(number)))
      .rejects.toThrow(/^the app's manifests take \d+ bytes gzipped: over the 1048576 a Secret holds, so the release history cannot record them/);
    expect(calls).toEqual([]);
    expect(told).toEqual([]);
  });
});
