// A webhook's caBundle: base64 (as JSON carries bytes) of PEM certificates.
import { X509Certificate } from 'node:crypto';

/** The PEM certificates in a caBundle (base64 of PEM text in JSON); throws when it holds none. */
export function parseCaBundle(caBundle: string): string {
  const text = Buffer.from(caBundle, 'base64').toString('utf8');
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new Error('must be base64-encoded PEM certificates');
  for (const b of blocks) new X509Certificate(b);
  return blocks.join('\n');
}

