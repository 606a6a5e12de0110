// The CEL library, loaded on first use: it costs a server about 15 MB of memory, and only clusters
// with CEL rules (CRD x-kubernetes-validations) need it. Rules are judged synchronously, so the
// library's CommonJS build is required rather than imported.
import { createRequire } from 'node:module';
import type * as Cel from '@bufbuild/cel';
import type * as CelExt from '@bufbuild/cel/ext';

export interface CelLibrary {
  env: ReturnType<typeof Cel.celEnv>;
  parse: typeof Cel.parse;
  plan: typeof Cel.plan;
  isCelError: typeof Cel.isCelError;
}

let loaded: CelLibrary | undefined;

export function celLibrary(): CelLibrary {
  if (!loaded) {
    const require = createRequire(import.meta.url);
    const cel = require('@bufbuild/cel') as typeof Cel;
    const ext = require('@bufbuild/cel/ext') as typeof CelExt;
    loaded = { env: cel.celEnv({ funcs: ext.strings }), parse: cel.parse, plan: cel.plan, isCelError: cel.isCelError };
  }
  return loaded;
}
