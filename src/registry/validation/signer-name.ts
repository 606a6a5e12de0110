// A signer name is `<domain>/<path>`: the domain at least two DNS labels, the path a DNS subdomain.
// Upstream checks it on CertificateSigningRequests (and ClusterTrustBundles); the wording is its.
import { fieldError, type FieldError } from '../field-errors.js';
import { DNS1123_LABEL_MAX, DNS1123_SUBDOMAIN_MAX, isDNS1123Label, isDNS1123Subdomain } from './names.js';

export function validateSignerName(path: string, signerName: unknown): FieldError[] {
  if (typeof signerName !== 'string' || signerName === '') return [fieldError.required(path)];
  const segments = signerName.split('/');
  if (segments.length !== 2) return [fieldError.invalid(path, signerName, "must be a fully qualified domain and path of the form 'example.com/signer-name'")];
  const [domain, rest] = segments as [string, string];
  const errs: FieldError[] = [];
  if (domain.length > DNS1123_SUBDOMAIN_MAX) errs.push(fieldError.tooLong(path, DNS1123_SUBDOMAIN_MAX));
  const labels = domain.split('.');
  // The first bad label is enough: the others would repeat the same advice.
  for (const label of labels) {
    const problems = isDNS1123Label(label);
    if (problems.length === 0) continue;
    for (const p of problems) errs.push(fieldError.invalid(path, domain, `validating label "${label}": ${p}`));
    break;
  }
  if (labels.length < 2) errs.push(fieldError.invalid(path, domain, 'should be a domain with at least two segments separated by dots'));
  const maxPath = DNS1123_SUBDOMAIN_MAX + DNS1123_LABEL_MAX + 1;
  if (rest.length > maxPath) errs.push(fieldError.tooLong(path, maxPath));
  for (const p of isDNS1123Subdomain(rest)) errs.push(fieldError.invalid(path, rest, `validating path: ${p}`));
  return errs;
}
