// The QoS class the API server records on every new pod (status.qosClass).
type Resources = { requests?: Record<string, string>; limits?: Record<string, string> };
type Container = { resources?: Resources };

export function podQosClass(spec: { containers?: Container[]; initContainers?: Container[] } | undefined): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const containers = [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])];
  let any = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    const names = new Set([...Object.keys(req), ...Object.keys(lim)].filter((n) => n === 'cpu' || n === 'memory'));
    if (names.size > 0) any = true;
    for (const n of ['cpu', 'memory']) {
      const limit = lim[n];
      const request = req[n] ?? limit;
      if (limit === undefined || request !== limit) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
