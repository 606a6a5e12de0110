// kube-apiserver 1.32 prints bad values with Go's %#v for maps, slices and structs, so kubectl
// users see e.g. `Invalid value: map[string]string{"app":"x"}`. These render that text for
// fieldError.invalidGo / duplicateGo.

export function goStringMap(m: Record<string, string> | undefined): string {
  if (!m) return 'map[string]string(nil)';
  const keys = Object.keys(m).sort();
  return `map[string]string{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(m[k])}`).join(', ')}}`;
}

export function goStringSlice(list: string[] | undefined): string {
  if (!list) return '[]string(nil)';
  return `[]string{${list.map((s) => JSON.stringify(s)).join(', ')}}`;
}

/**
 * Go's %#v of a core.Taint. A set timeAdded is a pointer, which Go prints as a memory address
 * that means nothing to a user; we print an ellipsis in its place.
 */
export function goTaint(t: { key?: string; value?: string; effect?: string; timeAdded?: unknown }): string {
  const time = t.timeAdded === undefined || t.timeAdded === null ? '(*v1.Time)(nil)' : '(*v1.Time)(…)';
  const q = (v: string | undefined) => JSON.stringify(v ?? '');
  return `core.Taint{Key:${q(t.key)}, Value:${q(t.value)}, Effect:${q(t.effect)}, TimeAdded:${time}}`;
}

const GO_ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v' };

/** Go's %q of a string (strconv.Quote): what upstream prints where it formats a value with %q. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (GO_ESCAPES[ch]) out += GO_ESCAPES[ch];
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if ((code >= 0x80 && code < 0xa0) || code === 0x2028 || code === 0x2029 || code === 0xfeff) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + '"';
}
