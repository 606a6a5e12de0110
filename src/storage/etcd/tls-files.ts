// Client TLS material for an https etcd: the CA that signed the members' certificates and, for mutual
// TLS, a client certificate and key. Files are read once at open; errors name the file, never its
// contents, so a key cannot end up in a log.
import { readFileSync } from 'node:fs';

export interface DatastoreTlsFiles {
  /** PEM CA bundle; absent means the system's roots. */
  caFile?: string;
  /** PEM client certificate (needs keyFile). */
  certFile?: string;
  /** PEM private key of certFile. */
  keyFile?: string;
}

export interface TlsMaterial {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

function readPem(what: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(`cannot read the datastore ${what} file ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

export function loadTlsMaterial(files: DatastoreTlsFiles = {}): TlsMaterial {
  if (Boolean(files.certFile) !== Boolean(files.keyFile)) {
    throw new Error('a datastore client certificate needs both a cert file and a key file');
  }
  return {
    ca: files.caFile ? readPem('CA', files.caFile) : undefined,
    cert: files.certFile ? readPem('certificate', files.certFile) : undefined,
    key: files.keyFile ? readPem('key', files.keyFile) : undefined,
  };
}

/** True when any file was given: TLS options with only http:// endpoints are a likely mistake. */
export function hasTlsFiles(files: DatastoreTlsFiles = {}): boolean {
  return Boolean(files.caFile || files.certFile || files.keyFile);
}
