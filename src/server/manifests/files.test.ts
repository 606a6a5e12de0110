import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addonNameOf, checksumOf, listFileNames, selectManifests } from './files.js';

const names = (files: Array<{ fileName: string }>) => files.map((f) => f.fileName);

describe('selectManifests', () => {
  it('applies .yaml, .yml and .json files in name order, each named for its Addon', () => {
    const s = selectManifests('/m', ['b.yml', 'a.yaml', 'c.JSON', 'notes.txt', 'README'], []);
    assert.deepEqual(names(s.apply), ['a.yaml', 'b.yml', 'c.JSON']);
    assert.deepEqual(s.apply[0], { path: '/m/a.yaml', fileName: 'a.yaml', addon: 'a' });
    assert.deepEqual(s.ignored.map((i) => i.fileName), ['README', 'notes.txt']);
  });

  it('a <name>.skip file next to a manifest keeps it out, and only that one', () => {
    const s = selectManifests('/m', ['app.yaml', 'app.yaml.skip', 'db.yaml', 'db.skip'], []);
    assert.deepEqual(names(s.apply), ['db.yaml']);
    assert.deepEqual(s.ignored, [{ fileName: 'app.yaml', reason: 'app.yaml.skip exists' }]);
  });

  it('hidden files (editor swap files) are not manifests', () => {
    assert.deepEqual(names(selectManifests('/m', ['.app.yaml.swp', '.hidden.yaml', 'app.yaml'], []).apply), ['app.yaml']);
  });

  it('a file named after a --disable component is disabled, even with a .skip file', () => {
    const s = selectManifests('/m', ['local-storage.yaml', 'local-storage.yaml.skip', 'app.yaml'], ['local-storage']);
    assert.deepEqual(names(s.disabled), ['local-storage.yaml']);
    assert.deepEqual(names(s.apply), ['app.yaml']);
  });

  it('two files that would share an Addon: the first applies, the second is refused with the reason', () => {
    const s = selectManifests('/m', ['app.yml', 'app.yaml'], []);
    assert.deepEqual(names(s.apply), ['app.yaml']);
    assert.match(s.ignored[0]!.reason, /^its Addon name "app" is already used by app\.yaml; rename one of them$/);
  });
});

describe('addonNameOf', () => {
  it('is the name up to the first dot (K3s), made a valid object name', () => {
    assert.equal(addonNameOf('traefik.yaml'), 'traefik');
    assert.equal(addonNameOf('my.app.yaml'), 'my');
    assert.equal(addonNameOf('My_App.yaml'), 'my-app');
    assert.equal(addonNameOf('__.yaml'), 'manifest');
  });
});

describe('checksumOf', () => {
  it('is the SHA-256 of the bytes, so any change to the file is seen', () => {
    assert.equal(checksumOf(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.notEqual(checksumOf('a: 1\n'), checksumOf('a: 1 \n'));
    assert.equal(checksumOf(Buffer.from('x')), checksumOf('x'));
  });
});

describe('listFileNames', () => {
  it('lists files and symlinks, not directories; a missing directory is empty', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'k3ts-manifests-'));
    try {
      writeFileSync(join(dir, 'a.yaml'), '');
      mkdirSync(join(dir, 'sub.yaml'));
      symlinkSync(join(dir, 'a.yaml'), join(dir, 'link.yaml'));
      assert.deepEqual((await listFileNames(dir)).sort(), ['a.yaml', 'link.yaml']);
      assert.deepEqual(await listFileNames(join(dir, 'missing')), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
