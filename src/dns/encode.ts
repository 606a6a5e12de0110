// Writing DNS messages, with name compression (RFC 1035 4.1.4): a name, or its tail, already written
// becomes a two-byte pointer, which keeps SRV and headless answers small enough for UDP.
import { DnsWireError, rrClass, rrType, typeCode, type Message, type ResourceRecord } from './message.js';

/** The largest message TCP's two-byte length prefix can carry. */
export const maxMessageSize = 65535;

// Encoding is synchronous, so one scratch buffer serves every call; each result is copied out.
const scratch = Buffer.allocUnsafe(maxMessageSize);

/** Labels of a presentation-form name: `\.` and `\\` stand for those bytes inside a label. */
export function nameLabels(name: string): string[] {
  if (name === '') return [];
  if (!name.includes('\\')) return name.split('.');
  const labels: string[] = [];
  let label = '';
  for (let i = 0; i < name.length; i++) {
    const c = name[i]!;
    if (c === '\\' && i + 1 < name.length) label += name[++i]!;
    else if (c === '.') labels.push(label), (label = '');
    else label += c;
  }
  labels.push(label);
  return labels;
}

class Writer {
  pos = 0;
  private readonly names = new Map<string, number>();

  private need(n: number): void {
    if (this.pos + n > maxMessageSize) throw new DnsWireError('message too large');
  }

  u8(v: number): void {
    this.need(1);
    scratch[this.pos++] = v;
  }

  u16(v: number): void {
    this.need(2);
    scratch.writeUInt16BE(v, this.pos);
    this.pos += 2;
  }

  u32(v: number): void {
    this.need(4);
    scratch.writeUInt32BE(v >>> 0, this.pos);
    this.pos += 4;
  }

  /** Patches a 16-bit value written earlier (a record's length once its data is written). */
  at16(offset: number, v: number): void {
    scratch.writeUInt16BE(v, offset);
  }

  name(name: string): void {
    const labels = nameLabels(name);
    for (let i = 0; i < labels.length; i++) {
      const suffix = labels.slice(i).join('.').toLowerCase();
      const known = this.names.get(suffix);
      if (known !== undefined) return this.u16(0xc000 | known);
      // Pointers have 14 bits: names written further in cannot be pointed at.
      if (this.pos < 0x4000) this.names.set(suffix, this.pos);
      this.label(labels[i]!, name);
    }
    this.u8(0);
  }

  record(rr: ResourceRecord): void {
    this.name(rr.name);
    this.u16(typeCode(rr.type));
    this.u16(rrClass.IN);
    this.u32(rr.ttl);
    const lengthAt = this.pos;
    this.u16(0);
    const start = this.pos;
    switch (rr.type) {
      case 'A': {
        const parts = rr.address.split('.');
        if (parts.length !== 4) throw new DnsWireError(`not an IPv4 address: ${rr.address}`);
        for (const p of parts) this.u8(Number(p) & 0xff);
        break;
      }
      case 'CNAME':
      case 'PTR':
      case 'NS':
        this.name(rr.target);
        break;
      case 'SRV':
        this.u16(rr.srv.priority);
        this.u16(rr.srv.weight);
        this.u16(rr.srv.port);
        // RFC 2782 forbids compressing the target; resolvers accept it, but stay strict.
        this.plainName(rr.srv.target);
        break;
      case 'SOA':
        this.name(rr.soa.mname);
        this.name(rr.soa.rname);
        for (const n of [rr.soa.serial, rr.soa.refresh, rr.soa.retry, rr.soa.expire, rr.soa.minimum]) this.u32(n);
        break;
      case 'TXT':
        for (const t of rr.text) {
          const bytes = Buffer.from(t, 'latin1');
          if (bytes.length > 255) throw new DnsWireError('TXT string too long');
          this.u8(bytes.length);
          this.need(bytes.length);
          bytes.copy(scratch, this.pos);
          this.pos += bytes.length;
        }
        break;
    }
    this.at16(lengthAt, this.pos - start);
  }

  private plainName(name: string): void {
    for (const label of nameLabels(name)) this.label(label, name);
    this.u8(0);
  }

  /** One length-prefixed label of `name`. */
  private label(label: string, name: string): void {
    if (label.length === 0 || label.length > 63) throw new DnsWireError(`bad label in ${JSON.stringify(name)}`);
    this.u8(label.length);
    this.need(label.length);
    scratch.write(label, this.pos, 'latin1');
    this.pos += label.length;
  }

  result(): Buffer {
    return Buffer.from(scratch.subarray(0, this.pos));
  }
}

/** The wire form of a message; throws DnsWireError past 65535 bytes. An OPT record is added when
 *  `udpSize` is set. */
export function encodeMessage(m: Message): Buffer {
  const w = new Writer();
  w.u16(m.id);
  w.u16((m.qr ? 0x8000 : 0) | ((m.opcode & 0xf) << 11) | (m.aa ? 0x0400 : 0) | (m.tc ? 0x0200 : 0) | (m.rd ? 0x0100 : 0) | (m.ra ? 0x0080 : 0) | (m.rcode & 0xf));
  w.u16(m.questions.length);
  w.u16(m.answers.length);
  w.u16(m.authority.length);
  w.u16(m.additional.length + (m.udpSize !== undefined ? 1 : 0));
  for (const q of m.questions) {
    w.name(q.name);
    w.u16(q.type);
    w.u16(q.class);
  }
  for (const rr of m.answers) w.record(rr);
  for (const rr of m.authority) w.record(rr);
  for (const rr of m.additional) w.record(rr);
  if (m.udpSize !== undefined) {
    w.u8(0); // the root
    w.u16(rrType.OPT);
    w.u16(m.udpSize);
    w.u32(0); // extended rcode, version 0, no DO bit
    w.u16(0);
  }
  return w.result();
}
