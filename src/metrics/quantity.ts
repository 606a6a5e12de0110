// Kubernetes quantities as metrics-server writes them: CPU from nanocores, memory from bytes, and
// the window as a Go duration. Canonical forms (the largest exact suffix), so 250000000n is "250m"
// and 1048576 bytes "1Mi"; kubectl parses any of them.

const CPU_SUFFIXES: Array<[number, string]> = [
  [1e9, ''],
  [1e6, 'm'],
  [1e3, 'u'],
];

export function formatCpu(nanoCores: number): string {
  const n = Math.max(0, Math.round(nanoCores));
  if (n === 0) return '0';
  for (const [unit, suffix] of CPU_SUFFIXES) if (n % unit === 0) return `${n / unit}${suffix}`;
  return `${n}n`;
}

const MEMORY_SUFFIXES: Array<[number, string]> = [
  [2 ** 40, 'Ti'],
  [2 ** 30, 'Gi'],
  [2 ** 20, 'Mi'],
  [2 ** 10, 'Ki'],
];

/** Working sets are whole pages, so this is nearly always `<n>Ki`, as metrics-server prints them. */
export function formatMemory(bytes: number): string {
  const b = Math.max(0, Math.round(bytes));
  if (b === 0) return '0';
  for (const [unit, suffix] of MEMORY_SUFFIXES) if (b % unit === 0) return `${b / unit}${suffix}`;
  return String(b);
}

/** A Go duration as metav1.Duration marshals it: "10s", "10.5s", "1m30s", "250ms". */
export function formatWindow(ms: number): string {
  const total = Math.max(0, Math.round(ms));
  if (total === 0) return '0s';
  if (total < 1000) return `${total}ms`;
  const h = Math.floor(total / 3_600_000);
  const m = Math.floor((total % 3_600_000) / 60_000);
  const s = (total % 60_000) / 1000;
  const sec = `${Number.isInteger(s) ? s : s.toFixed(3).replace(/0+$/, '')}s`;
  if (h) return `${h}h${m}m${sec}`;
  if (m) return `${m}m${sec}`;
  return sec;
}
