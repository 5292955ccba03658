/**
 * The provider object is serialized into the state as text: it must capture nothing heavy (no ssh2, no
 * dockerode, no zod) and still work when loaded elsewhere, as the provider process does.
 */
import * as pulumi from '@pulumi/pulumi';
import { Module } from 'node:module';
import { ferryProvider } from '../../provider/pulumi/provider';
import { clusters, inputs, outputs } from './fixtures';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Loads serialized provider text the way Pulumi's provider host does (a module compiled from a string). */
function loadSerialized(text: string): pulumi.dynamic.ResourceProvider {
  const m = new Module('<ferry-provider>');
  m.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(os.tmpdir());
  (m as unknown as { _compile(code: string, file: string): void })._compile(
    text,
    path.join(os.tmpdir(), 'ferry-provider.js'),
  );
  return (m.exports as { handler: () => pulumi.dynamic.ResourceProvider }).handler();
}

describe('serialized provider', () => {
  let text: string;
  beforeAll(async () => {
    const provider = ferryProvider();
    text = (await pulumi.runtime.serializeFunction(() => provider)).text;
  }, 60_000);

  it('captures neither ssh2 nor dockerode (nor zod, nor the engine)', () => {
    expect(text).not.toMatch(/ssh2/);
    expect(text).not.toMatch(/dockerode/);
    expect(text).not.toMatch(/zod/);
    expect(text).not.toMatch(/migrate\(/);
  });

  it('is thin: the methods forward to operations loaded at run time', () => {
    expect(text).toContain('operations');
    expect(text.length).toBeLessThan(8000);
    for (const m of ['configure', 'check', 'diff', 'create', 'read', 'update', 'delete'])
      expect(text).toContain(m);
  });

  it('works once loaded from its text: configure, check and diff', async () => {
    const p = loadSerialized(text);
    const clustersFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-ser-')), 'clusters.json');
    fs.writeFileSync(clustersFile, JSON.stringify(clusters()));
    const config = {
      get: (k: string) => (k === 'ferry:clusters' ? fs.readFileSync(clustersFile, 'utf8') : undefined),
      require: () => '',
    };
    await p.configure!({ config });
    const ok = await p.check!({}, { ...inputs(), __provider: text });
    expect(ok.failures).toEqual([]);
    const bad = await p.check!({}, { ...inputs(), placement: { cluster: 'cluster-z' } });
    expect(bad.failures).toEqual([
      { property: 'placement.cluster', reason: expect.stringMatching(/unknown cluster "cluster-z"/) },
    ]);
    const d = await p.diff!('web-1', outputs(), { ...inputs(), placement: { cluster: 'cluster-b' } });
    expect(d).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
  }, 120_000);
});
