// Every server address the agent knows: the --server it started with, plus each server listed in
// the `kubernetes` Endpoints (every server keeps itself there). Saved in the data dir, so an agent
// restarting while its first server is down still finds the others.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isIP } from 'node:net';
import type { Client } from '../client/types.js';
import { writeFileAtomic } from '../pki/files.js';

const endpoints = { group: '', version: 'v1', resource: 'endpoints' };

export const savedServersPath = (dataDir: string) => join(dataDir, 'agent', 'servers.json');

export async function loadSavedServers(dataDir: string): Promise<string[]> {
  try {
    const list = JSON.parse(await readFile(savedServersPath(dataDir), 'utf8')) as unknown;
    return Array.isArray(list) ? list.filter((s): s is string => typeof s === 'string' && s.startsWith('https://')) : [];
  } catch {
    return [];
  }
}

export function serversFromEndpoints(obj: { subsets?: Array<{ addresses?: Array<{ ip?: string }>; ports?: Array<{ name?: string; port?: number }> }> }): string[] {
  const urls: string[] = [];
  for (const s of obj.subsets ?? []) {
    const port = (s.ports ?? []).find((p) => p.name === 'https')?.port ?? s.ports?.[0]?.port;
    if (!port) continue;
    for (const a of s.addresses ?? []) if (a.ip) urls.push(`https://${isIP(a.ip) === 6 ? `[${a.ip}]` : a.ip}:${port}`);
  }
  return urls;
}

/** Follows the `kubernetes` Endpoints until `signal` aborts; `onServers` gets the full list each time. */
export async function followServers(o: { client: Client; dataDir: string; initial: string; onServers(urls: string[]): void; onError?(err: unknown): void }, signal: AbortSignal): Promise<void> {
  let last = '';
  const publish = async (learned: string[]) => {
    const all = [...new Set([o.initial, ...learned])];
    const key = JSON.stringify(all);
    if (key === last) return;
    last = key;
    o.onServers(all);
    await writeFileAtomic(savedServersPath(o.dataDir), `${JSON.stringify(all)}\n`, 0o644).catch(o.onError);
  };
  const start = async (): Promise<void> => {
    if (signal.aborted) return;
    await o.client.watch(
      endpoints,
      { namespace: 'default', fieldSelector: 'metadata.name=kubernetes' },
      {
        onEvent: (ev) => {
          if (ev.type !== 'DELETED') void publish(serversFromEndpoints(ev.object as never));
        },
        onClose: () => {
          if (!signal.aborted) setTimeout(() => void start().catch(o.onError), 2000).unref();
        },
      },
      signal,
    );
  };
  try {
    await start();
  } catch (err) {
    o.onError?.(err);
    if (!signal.aborted) setTimeout(() => void followServers(o, signal).catch(o.onError), 2000).unref();
  }
}
