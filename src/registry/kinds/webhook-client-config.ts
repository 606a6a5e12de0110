// A webhook's clientConfig: where the API server calls it (a URL or a Service) and the CA bundle
// that verifies its serving certificate.
import { fieldError, type FieldError } from '../field-errors.js';
import { isObject, inclusiveRange } from '../validation/common.js';
import { isDNS1123Label } from '../validation/names.js';
import { parseCaBundle } from './webhook-configuration-ca.js';

function validateUrl(url: unknown, path: string): FieldError[] {
  if (typeof url !== 'string') return [fieldError.typeInvalid(path, url, 'must be a string')];
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [fieldError.invalid(path, url, 'host must be specified')];
  }
  const errs: FieldError[] = [];
  if (parsed.protocol !== 'https:') errs.push(fieldError.invalid(path, url, "'https' is the only allowed URL scheme"));
  if (!parsed.hostname) errs.push(fieldError.invalid(path, url, 'host must be specified'));
  if (parsed.username || parsed.password) errs.push(fieldError.invalid(path, url, 'user information is not permitted in the URL'));
  if (url.includes('#')) errs.push(fieldError.invalid(path, url, 'fragments are not permitted in the URL'));
  if (url.includes('?')) errs.push(fieldError.invalid(path, url, 'query parameters are not permitted in the URL'));
  return errs;
}

function validateService(svc: Record<string, unknown>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (typeof svc.name !== 'string' || svc.name === '') errs.push(fieldError.required(`${path}.name`, 'service name is required'));
  else for (const m of isDNS1123Label(svc.name)) errs.push(fieldError.invalid(`${path}.name`, svc.name, m));
  if (typeof svc.namespace !== 'string' || svc.namespace === '') errs.push(fieldError.required(`${path}.namespace`, 'service namespace is required'));
  else for (const m of isDNS1123Label(svc.namespace)) errs.push(fieldError.invalid(`${path}.namespace`, svc.namespace, m));
  if (svc.path !== undefined && svc.path !== null && svc.path !== '') {
    const p = svc.path;
    if (typeof p !== 'string' || !p.startsWith('/')) errs.push(fieldError.invalid(`${path}.path`, p, "must start with a '/'"));
    else if (p.includes('?') || p.includes('#')) errs.push(fieldError.invalid(`${path}.path`, p, 'must not contain a query or fragment'));
    else if (p.slice(1).split('/').some((step, i, all) => step === '' && i < all.length - 1)) errs.push(fieldError.invalid(`${path}.path`, p, 'segments may not be empty'));
  }
  const port = svc.port;
  if (port !== undefined && (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)) {
    errs.push(fieldError.invalid(`${path}.port`, port, `port is not valid: ${inclusiveRange(1, 65535)}`));
  }
  return errs;
}

export function validateWebhookClientConfig(cc: unknown, path: string): FieldError[] {
  if (!isObject(cc)) return [fieldError.required(path, 'exactly one of url or service is required')];
  const hasUrl = cc.url !== undefined && cc.url !== null;
  const hasService = cc.service !== undefined && cc.service !== null;
  const errs: FieldError[] = [];
  if (hasUrl === hasService) errs.push(fieldError.required(path, 'exactly one of url or service is required'));
  if (hasUrl) errs.push(...validateUrl(cc.url, `${path}.url`));
  if (hasService) {
    if (isObject(cc.service)) errs.push(...validateService(cc.service, `${path}.service`));
    else errs.push(fieldError.typeInvalid(`${path}.service`, cc.service, 'must be an object'));
  }
  if (cc.caBundle !== undefined && cc.caBundle !== null && cc.caBundle !== '') {
    try {
      if (typeof cc.caBundle !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(cc.caBundle)) throw new Error('must be base64-encoded PEM certificates');
      parseCaBundle(cc.caBundle);
    } catch {
      errs.push(fieldError.invalid(`${path}.caBundle`, '<bytes>', 'must be base64-encoded PEM certificates'));
    }
  }
  return errs;
}
