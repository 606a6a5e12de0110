// The discovery answers, serialized once. Discovery is the first thing every kubectl with a cold
// cache asks for (two aggregated or 1+N legacy requests), so the server only looks strings up.
import type { ResourceDescriptor } from '../../registry/types.js';
import { cachedDocument, type CachedDocument } from '../openapi/etag.js';
import { aggregatedDiscovery, apiGroup, apiGroupList, apiResourceList, apiVersions, groupDescriptors, type GroupInfo } from './build.js';
import { negotiateDiscovery } from './negotiate.js';

export interface DiscoveryDocuments {
  readonly groups: GroupInfo[];
  /** `/api` legacy APIVersions, for the address clients should use (`host:port`). */
  apiVersions(serverAddress?: string): CachedDocument;
  /** `/apis` legacy APIGroupList. */
  readonly apiGroupList: CachedDocument;
  /** `/apis/<group>`; undefined for unknown groups. */
  apiGroup(group: string): CachedDocument | undefined;
  /** `/api/v1` (`'v1'`) or `/apis/<g>/<v>` (`'apps/v1'`); undefined when not served. */
  resourceList(groupVersion: string): CachedDocument | undefined;
  aggregated(which: 'api' | 'apis', version: 'v2' | 'v2beta1'): CachedDocument;
  /**
   * The whole answer for GET `/api` or `/apis`, format chosen by Accept. `headers` include
   * Content-Type and `Vary: Accept`.
   */
  answer(which: 'api' | 'apis', opts: { accept?: string | string[]; serverAddress?: string }): { body: string; etag: string; headers: Record<string, string> };
}

export function buildDiscoveryDocuments(descriptors: readonly ResourceDescriptor[]): DiscoveryDocuments {
  const groups = groupDescriptors(descriptors);
  const byAddress = new Map<string, CachedDocument>();
  const groupDocs = new Map(groups.filter((g) => g.name !== '').map((g) => [g.name, cachedDocument(apiGroup(g))]));
  const lists = new Map<string, CachedDocument>();
  for (const g of groups) for (const gv of g.versions) lists.set(gv.groupVersion, cachedDocument(apiResourceList(gv)));
  const aggregated = {
    api: { v2: cachedDocument(aggregatedDiscovery(groups, { which: 'api', version: 'v2' })), v2beta1: cachedDocument(aggregatedDiscovery(groups, { which: 'api', version: 'v2beta1' })) },
    apis: { v2: cachedDocument(aggregatedDiscovery(groups, { which: 'apis', version: 'v2' })), v2beta1: cachedDocument(aggregatedDiscovery(groups, { which: 'apis', version: 'v2beta1' })) },
  };
  const groupList = cachedDocument(apiGroupList(groups));

  const docs: DiscoveryDocuments = {
    groups,
    apiVersions(serverAddress) {
      const key = serverAddress ?? '';
      let doc = byAddress.get(key);
      if (!doc) {
        // Few distinct addresses exist (one per listening interface); bound it anyway.
        if (byAddress.size > 64) byAddress.clear();
        byAddress.set(key, (doc = cachedDocument(apiVersions(groups, serverAddress))));
      }
      return doc;
    },
    apiGroupList: groupList,
    apiGroup: (group) => groupDocs.get(group),
    resourceList: (groupVersion) => lists.get(groupVersion),
    aggregated: (which, version) => aggregated[which][version],
    answer(which, opts) {
      const n = negotiateDiscovery(opts.accept);
      const doc = n.format === 'legacy' ? (which === 'api' ? docs.apiVersions(opts.serverAddress) : groupList) : aggregated[which][n.format];
      return { body: doc.body, etag: doc.etag, headers: { 'Content-Type': n.contentType, Vary: 'Accept', ETag: doc.etag } };
    },
  };
  return docs;
}
