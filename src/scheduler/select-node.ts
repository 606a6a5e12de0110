// Records the chosen node on each WaitForFirstConsumer claim of a pod before the pod is bound, so
// the provisioner knows where to make the volume (upstream's annotation, which its external
// provisioners also read). A claim that already names a node keeps it.
import { hasReason, type Client } from '../client/types.js';
import { SELECTED_NODE } from './volume-binding.js';

const claimsType = { group: '', version: 'v1', resource: 'persistentvolumeclaims' };

export async function selectNodeForClaims(client: Client, claims: ReadonlyArray<{ namespace: string; name: string }>, nodeName: string): Promise<void> {
  for (const c of claims) {
    const claim = await client.get(claimsType, c.namespace, c.name);
    const current = claim.metadata.annotations?.[SELECTED_NODE];
    if (current === nodeName || (claim.spec as { volumeName?: string } | undefined)?.volumeName) continue;
    try {
      await client.patch(claimsType, c.namespace, c.name, { type: 'merge', body: { metadata: { annotations: { [SELECTED_NODE]: nodeName }, resourceVersion: claim.metadata.resourceVersion } } });
    } catch (err) {
      if (!hasReason(err, 'Conflict')) throw err;
      await selectNodeForClaims(client, [c], nodeName);
    }
  }
}
