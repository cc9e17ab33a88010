import { parse } from 'yaml';
import { diffFilesOf, diffProgram } from './preview';

describe('diffProgram', () => {
  test('is diff -u -N without KUBECTL_EXTERNAL_DIFF', () => {
    expect(diffProgram({})).toEqual({ tool: 'diff', args: ['-u', '-N'] });
  });

  test('is KUBECTL_EXTERNAL_DIFF split at spaces, keeping only the arguments kubectl keeps (letters, digits, - and =)', () => {
    expect(diffProgram({ KUBECTL_EXTERNAL_DIFF: 'dyff between --omit-header --set-exit-code' })).toEqual({ tool: 'diff', program: 'dyff', args: ['between', '--omit-header', '--set-exit-code'] });
    expect(diffProgram({ KUBECTL_EXTERNAL_DIFF: 'colordiff -u $(rm) --x=1' })).toEqual({ tool: 'diff', program: 'colordiff', args: ['-u', '--x=1'] });
  });
});

describe('diffFilesOf', () => {
  const secret = (data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'shop', managedFields: [] }, data });

  test('names each file as kubectl diff does, [group.]version.Kind.namespace.name', () => {
    const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' } };
    expect(diffFilesOf([{ live: deployment, after: deployment }]).map((f) => f.name)).toEqual(['apps.v1.Deployment.shop.web']);
    expect(diffFilesOf([{ live: secret({}), after: secret({}) }]).map((f) => f.name)).toEqual(['v1.Secret.shop.s']);
  });

  test('leaves managed fields out, and masks a Secret\'s values as kubectl diff does', () => {
    const [file] = diffFilesOf([{ live: secret({ same: 'YQ==', changed: 'Yg==' }), after: secret({ same: 'YQ==', changed: 'Yw==' }) }]);
    expect(parse(file.live)).toEqual({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'shop' }, data: { same: '***', changed: '*** (before)' } });
    expect(parse(file.merged).data).toEqual({ same: '***', changed: '*** (after)' });
  });
});
