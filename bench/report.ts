// The human-readable table: each figure next to its target (pass/miss) and the upstream
// kube-apiserver + etcd figure from ../shared/docs/PERFORMANCE-ANCHORS.md.

export interface Row {
  figure: string;
  value: string;
  target?: { text: string; pass: boolean };
  upstream?: string;
}

export function verdict(text: string, pass: boolean): { text: string; pass: boolean } {
  return { text, pass };
}

export function renderTable(rows: Row[]): string {
  const cells = rows.map((r) => [
    r.figure,
    r.value,
    r.target ? r.target.text : '',
    r.target ? (r.target.pass ? 'pass' : 'MISS') : '',
    r.upstream ?? '',
  ]);
  const header = ['figure', 'k3ts (this run)', 'target', '', 'upstream (anchors)'];
  const all = [header, ...cells];
  const width = header.map((_, i) => Math.max(...all.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((x, i) => x.padEnd(width[i]!)).join('  ').trimEnd();
  return [line(header), width.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

export const ms = (x: number) => `${x.toFixed(x < 10 ? 2 : x < 100 ? 1 : 0)} ms`;
export const mb = (x: number) => `${x.toFixed(1)} MB`;
