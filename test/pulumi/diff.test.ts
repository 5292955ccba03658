import { diffContainer, jsonEqual, placementMoves } from '../../provider/pulumi/diff';
import { UNKNOWN } from '../../provider/pulumi/schema';
import { inputs, outputs, withField } from './fixtures';

describe('diff', () => {
  const olds = outputs();

  it.each([
    // [what changed, path, new value, changes, replaces, moves]
    ['nothing', undefined, undefined, false, [], false],
    ['placement.cluster', 'placement.cluster', 'cluster-b', true, [], true],
    ['placement.host (other host)', 'placement.host', 'host-2', true, [], true],
    ['placement.host spelled out (same host)', 'placement.host', 'host-1', true, [], false],
    ['image', 'image', 'ferry/dirtier:v2', true, ['image'], false],
    ['command', 'command', ['/bin/dirtier', '--mib', '64'], true, ['command'], false],
    ['name', 'name', 'web-2', true, ['name'], false],
    ['env', 'env.MODE', 'slow', true, ['env'], false],
    ['labels', 'labels.team', 'db', true, ['labels'], false],
    ['resources', 'resources.memory', '512MiB', true, ['resources'], false],
    ['migration policy', 'migration.targetDowntime', '1s', true, [], false],
    ['migration strategy', 'migration.strategy', 'stop-and-copy', true, [], false],
    ['health probe', 'healthProbe', ['sh', '-c', 'exit 0'], true, [], false],
    ['unknown image (preview)', 'image', UNKNOWN, true, ['image'], false],
    ['unknown placement (preview)', 'placement', UNKNOWN, true, [], true],
    ['unknown cluster (preview)', 'placement.cluster', UNKNOWN, true, [], true],
    ['unknown policy field (preview)', 'migration.timeout', UNKNOWN, true, [], false],
  ])('%s', (_what, path, value, changes, replaces, moves) => {
    const news = path === undefined ? inputs() : withField(inputs(), path, value);
    const d = diffContainer(olds, { ...news, __provider: 'exports.handler = __f0; /* v1 */' });
    expect(d.changes).toBe(changes);
    expect(d.replaces).toEqual(replaces);
    expect(d.moves).toBe(moves);
  });

  it('a placement change is never a replace, even with a policy change', () => {
    const news = withField(
      withField(inputs(), 'placement.cluster', 'cluster-b'),
      'migration.strategy',
      'pre-copy',
    );
    const d = diffContainer(olds, news);
    expect(d).toEqual({ changes: true, replaces: [], moves: true, outputOnly: ['migration'] });
  });

  it('a change of provider code alone is no change', () => {
    const d = diffContainer(olds, {
      ...inputs(),
      __provider: 'exports.handler = __f0; /* v2, other code */',
    });
    expect(d.changes).toBe(false);
  });

  it('compares the desired placement with where the container really runs', () => {
    // refresh found it on cluster-b (drift): the program still says cluster-a, so it moves back
    const drifted = outputs({ cluster: 'cluster-b' });
    expect(diffContainer(drifted, inputs()).moves).toBe(true);
    // a failed migration left the inputs at cluster-b but the container on cluster-a: the next up retries
    const failed = outputs({ placement: { cluster: 'cluster-b' } });
    expect(diffContainer(failed, withField(inputs(), 'placement.cluster', 'cluster-b')).moves).toBe(true);
  });

  it.each([['exited'], ['missing'], ['dead']])('a container seen %s is replaced on the next up', (state) => {
    expect(diffContainer(outputs({ state }), inputs()).replaces).toEqual(['state']);
  });

  it('placementMoves accepts any host of the cluster when none is asked for', () => {
    expect(placementMoves(outputs({ host: 'host-7' }), inputs())).toBe(false);
  });

  it.each([
    [{ a: 1, b: undefined }, { a: 1 }, true],
    [[1, 2], [1, 2], true],
    [[1, 2], [2, 1], false],
    [{ a: { b: 'x' } }, { a: { b: 'y' } }, false],
    [null, {}, false],
  ])('jsonEqual(%j, %j) = %s', (a, b, eq) => {
    expect(jsonEqual(a, b)).toBe(eq);
  });
});
