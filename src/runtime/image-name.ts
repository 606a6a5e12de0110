// Image references as containerd records them: a bare Docker Hub name gains its registry, the
// library/ namespace and the :latest tag. Both runtimes name images this way, so the kubelet and
// `kubectl get node -o yaml` (status.images) see the same names whichever runtime runs.

/** docker.io/library/nginx:latest for `nginx`. */
export function normalizeImage(image: string): string {
  let name = image;
  const firstPart = name.split('/')[0]!;
  const hasRegistry = name.includes('/') && (firstPart.includes('.') || firstPart.includes(':') || firstPart === 'localhost');
  if (!hasRegistry) name = `docker.io/${name.includes('/') ? '' : 'library/'}${name}`;
  const lastPart = name.slice(name.lastIndexOf('/') + 1);
  if (!name.includes('@') && !lastPart.includes(':')) name += ':latest';
  return name;
}
