// `kubectl logs --limit-bytes`: output stops after that many bytes, cutting the line that crosses
// the limit (at a character boundary, since logs are handed on as text). Both runtimes use it.

export class ByteLimit {
  private left: number;

  /** No limit when `limit` is undefined or not positive. */
  constructor(limit: number | undefined) {
    this.left = limit === undefined || limit <= 0 ? Infinity : limit;
  }

  get done(): boolean {
    return this.left <= 0;
  }

  /** `s`, or as much of it as the limit still allows. */
  take(s: string): string {
    if (this.left === Infinity) return s;
    const b = Buffer.from(s);
    if (b.length <= this.left) {
      this.left -= b.length;
      return s;
    }
    let end = this.left;
    while (end > 0 && (b[end]! & 0xc0) === 0x80) end--; // not inside a UTF-8 sequence
    this.left = 0;
    return b.subarray(0, end).toString('utf8');
  }
}
