import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LineJoiner, parseLogRecord, readLogFile } from './log-file.js';
import type { LogOptions } from '../types.js';

const dir = mkdtempSync(join(tmpdir(), 'k3ts-logfile-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fixture = (text: string) => {
  const path = join(dir, `${n++}.log`);
  writeFileSync(path, text);
  return path;
};

const notFollowing = { exited: async () => true };

async function read(path: string, opts: LogOptions = {}, follow = notFollowing, signal = new AbortController().signal): Promise<string> {
  let out = '';
  for await (const s of readLogFile(path, opts, follow, signal)) out += s;
  return out;
}

/** A record as containerd writes it, at second `s` of a fixed minute. */
const rec = (s: number, stream: 'stdout' | 'stderr', tag: 'F' | 'P', text: string) => `2026-12-07T01:02:${String(s).padStart(2, '0')}.5Z ${stream} ${tag} ${text}\n`;

const SAMPLE = [
  '2026-12-07T01:02:03.260393371Z stdout F one\n',
  '2026-12-07T01:02:04.1Z stderr F two (on stderr)\n',
  '2026-12-07T01:02:05Z stdout P thr\n',
  '2026-12-07T01:02:05.7Z stderr F interleaved\n',
  '2026-12-07T01:02:06Z stdout F ee\n',
  'garbage that is not a record\n',
  '2026-12-07T01:02:07Z stdout F \n',
  '2026-12-07T01:02:08Z stdout F last\n',
].join('');

describe('CRI log records', () => {
  test('a record has a time, a stream, a tag and the text, spaces kept', () => {
    assert.deepEqual(parseLogRecord('2026-12-07T01:02:03.260393371Z stdout F a  b '), {
      time: '2026-12-07T01:02:03.260393371Z',
      ms: Date.parse('2026-12-07T01:02:03.260Z'),
      stream: 'stdout',
      partial: false,
      text: 'a  b ',
    });
    assert.equal(parseLogRecord('2026-12-07T01:02:03Z stderr P x')?.partial, true);
    assert.equal(parseLogRecord('2026-12-07T01:02:03Z stdout F')?.text, '');
    assert.equal(parseLogRecord('yesterday stdout F x'), undefined);
    assert.equal(parseLogRecord('2026-12-07T01:02:03Z stdin F x'), undefined);
    assert.equal(parseLogRecord('2026-12-07T01:02:03Z stdout X x'), undefined);
  });

  test("partial records join per stream, stamped with the first part's time", () => {
    const j = new LineJoiner();
    const out = SAMPLE.split('\n').map((l) => parseLogRecord(l)).flatMap((r) => (r ? [j.push(r)] : [])).filter((l) => l);
    assert.deepEqual(out.map((l) => l!.text), ['one', 'two (on stderr)', 'interleaved', 'three', '', 'last']);
    assert.equal(out[3]!.time, '2026-12-07T01:02:05Z');
    j.push(parseLogRecord('2026-12-07T01:02:09Z stdout P unfinished')!);
    assert.deepEqual(j.flush().map((l) => l.text), ['unfinished']);
  });
});

describe('reading a log file', () => {
  test('the whole log, tailLines, sinceMs, timestamps, limitBytes', async () => {
    const path = fixture(SAMPLE);
    assert.equal(await read(path), 'one\ntwo (on stderr)\ninterleaved\nthree\n\nlast\n');
    assert.equal(await read(path, { tailLines: 3 }), 'three\n\nlast\n');
    assert.equal(await read(path, { tailLines: 0 }), '');
    assert.equal(await read(path, { tailLines: 100 }), 'one\ntwo (on stderr)\ninterleaved\nthree\n\nlast\n');
    assert.equal(await read(path, { sinceMs: Date.parse('2026-12-07T01:02:05.5Z') }), 'interleaved\n\nlast\n');
    assert.equal(await read(path, { sinceMs: Date.parse('2026-12-07T01:02:05Z'), tailLines: 10 }), 'interleaved\nthree\n\nlast\n');
    assert.equal(await read(path, { tailLines: 2, timestamps: true }), '2026-12-07T01:02:07Z \n2026-12-07T01:02:08Z last\n');
    assert.equal(await read(path, { limitBytes: 6 }), 'one\ntw');
    assert.equal(await read(fixture(rec(1, 'stdout', 'F', 'héllo')), { limitBytes: 2 }), 'h');
  });

  test('a missing file is an empty log; a last line still waiting for its end is shown once the reader stops', async () => {
    assert.equal(await read(join(dir, 'never-written.log')), '');
    assert.equal(await read(fixture(rec(1, 'stdout', 'F', 'a') + rec(2, 'stdout', 'P', 'b'))), 'a\nb\n');
    // A record still being written (no newline yet) is not read.
    assert.equal(await read(fixture(`${rec(1, 'stdout', 'F', 'a')}2026-12-07T01:02:02Z stdout F hal`)), 'a\n');
  });

  test('a tail read backwards from the end of a large file equals the end of the whole log', async () => {
    // Lines of up to ~45 KiB in P parts, on two streams, so windows of 64 KiB cut through them.
    let text = '';
    const expected: string[] = [];
    let seed = 7;
    const rand = (m: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % m;
    for (let i = 0; i < 400; i++) {
      const stream = rand(3) === 0 ? 'stderr' : 'stdout';
      const parts = rand(6) === 0 ? 2 + rand(4) : 1;
      const line = `line${i}-`.padEnd(parts > 1 ? 9000 * parts : 20 + rand(50), String.fromCharCode(97 + (i % 26)));
      const size = Math.ceil(line.length / parts);
      for (let p = 0; p < parts; p++) {
        text += rec(i % 60, stream, p === parts - 1 ? 'F' : 'P', line.slice(p * size, (p + 1) * size));
        // The other stream writes a whole line while this one is half done: it comes out first.
        if (p < parts - 1 && rand(2) === 0) {
          text += rec(i % 60, stream === 'stdout' ? 'stderr' : 'stdout', 'F', `between${i}-${p}`);
          expected.push(`between${i}-${p}`);
        }
      }
      expected.push(line);
    }
    const path = fixture(text);
    const whole = await read(path);
    assert.equal(whole, expected.map((l) => `${l}\n`).join(''));
    for (const tail of [...Array.from({ length: 60 }, (_, i) => i + 1), 150, 399, 400, expected.length, 1000]) {
      assert.equal(await read(path, { tailLines: tail }), expected.slice(-tail).map((l) => `${l}\n`).join(''), `tailLines ${tail}`);
    }
  });

  test('follow: new lines as they are written, joined across writes, until the container exits', async () => {
    const path = join(dir, 'followed.log');
    let exited = false;
    const seen: string[] = [];
    const reader = (async () => {
      for await (const s of readLogFile(path, { follow: true, tailLines: 1 }, { exited: async () => exited, pollMs: 20, exitCheckMs: 20 }, new AbortController().signal)) seen.push(s);
    })();
    await sleep(60); // the file does not exist yet: it is waited for
    writeFileSync(path, rec(1, 'stdout', 'F', 'old') + rec(2, 'stdout', 'F', 'first'));
    await until(() => seen.join('') === 'first\n');
    appendFileSync(path, rec(3, 'stdout', 'P', 'sec'));
    await sleep(60);
    assert.equal(seen.join(''), 'first\n');
    appendFileSync(path, `${rec(4, 'stdout', 'F', 'ond')}2026-12-07T01:02:05Z stderr F thi`);
    await until(() => seen.join('') === 'first\nsecond\n');
    appendFileSync(path, 'rd\n');
    exited = true;
    await reader;
    assert.equal(seen.join(''), 'first\nsecond\nthird\n');
  });

  test('follow: a rotated file is read from its start; aborting ends the read at once', async () => {
    const path = fixture(rec(1, 'stdout', 'F', 'before'));
    const ac = new AbortController();
    const seen: string[] = [];
    const reader = (async () => {
      for await (const s of readLogFile(path, { follow: true }, { exited: async () => false, pollMs: 20 }, ac.signal)) seen.push(s);
    })();
    await until(() => seen.length === 1);
    renameSync(path, `${path}.1`);
    writeFileSync(path, rec(2, 'stdout', 'F', 'after'));
    await until(() => seen.length === 2);
    const t0 = Date.now();
    ac.abort();
    await reader;
    assert.ok(Date.now() - t0 < 200);
    assert.deepEqual(seen, ['before\n', 'after\n']);
  });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail('condition not met in time');
    await sleep(10);
  }
}
