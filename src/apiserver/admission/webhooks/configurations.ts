// The webhooks in force: every Validating/MutatingWebhookConfiguration, read from a watched cache
// and compiled once per change (selectors parsed, CA bundles decoded, order settled), so a write
// that no webhook matches costs one pass over a short array and nothing more.
import type { KObject } from '../../../registry/types.js';
import { labelSelectorFromObject, type LabelSelectorObject } from '../../../registry/selectors/label.js';
import { parseCaBundle } from '../../../registry/kinds/webhook-configuration-ca.js';
import type { RuleWithOperations } from './rules.js';
import { compileCel, type Program } from '../../../registry/cel/environment.js';

export interface WebhookService {
  namespace: string;
  name: string;
  path: string;
  port: number;
}

export interface CompiledWebhook {
  type: 'validating' | 'mutating';
  configurationName: string;
  name: string;
  rules: RuleWithOperations[];
  failurePolicy: 'Fail' | 'Ignore';
  matchPolicy: 'Exact' | 'Equivalent';
  /** Undefined when the selector is empty (matches everything, no namespace read needed). */
  namespaceSelector?: (labels: Record<string, string> | undefined) => boolean;
  objectSelector?: (labels: Record<string, string> | undefined) => boolean;
  sideEffects: string;
  timeoutSeconds: number;
  /** The AdmissionReview version spoken to this webhook. */
  reviewVersion: string;
  reinvocationPolicy: 'Never' | 'IfNeeded';
  url?: string;
  service?: WebhookService;
  /** PEM; undefined means the system's trusted roots. */
  ca?: string;
  /** CEL conditions a matched request must also meet (all true) to be sent. */
  matchConditions?: Array<{ name: string; expression: string; program: Program | Error }>;
}

/** What the configurations are read from: an object cache in the server. */
export interface ConfigurationSource {
  list(): KObject[];
  subscribe(listener: () => void): () => void;
}

type Json = Record<string, unknown>;

function compileSelector(sel: unknown): CompiledWebhook['namespaceSelector'] {
  const s = (sel ?? {}) as LabelSelectorObject;
  if (Object.keys(s.matchLabels ?? {}).length === 0 && (s.matchExpressions ?? []).length === 0) return undefined;
  try {
    const compiled = labelSelectorFromObject(s);
    return (labels) => compiled.matches(labels);
  } catch {
    // Validation refuses such selectors; one stored before that matches nothing, as upstream.
    return () => false;
  }
}

function compile(type: CompiledWebhook['type'], config: KObject): CompiledWebhook[] {
  const hooks = Array.isArray(config.webhooks) ? (config.webhooks as Json[]) : [];
  return hooks.map((h) => {
    const cc = (h.clientConfig ?? {}) as Json;
    const svc = cc.service as Json | undefined;
    let ca: string | undefined;
    if (typeof cc.caBundle === 'string' && cc.caBundle !== '') {
      try {
        ca = parseCaBundle(cc.caBundle);
      } catch {
        ca = '';
      }
    }
    const versions = Array.isArray(h.admissionReviewVersions) ? (h.admissionReviewVersions as string[]) : [];
    return {
      type,
      configurationName: config.metadata.name!,
      name: String(h.name),
      rules: Array.isArray(h.rules) ? (h.rules as RuleWithOperations[]) : [],
      failurePolicy: h.failurePolicy === 'Ignore' ? 'Ignore' : 'Fail',
      matchPolicy: h.matchPolicy === 'Exact' ? 'Exact' : 'Equivalent',
      namespaceSelector: compileSelector(h.namespaceSelector),
      objectSelector: compileSelector(h.objectSelector),
      sideEffects: String(h.sideEffects ?? 'Unknown'),
      timeoutSeconds: typeof h.timeoutSeconds === 'number' ? h.timeoutSeconds : 10,
      reviewVersion: versions.find((v) => v === 'v1') ?? versions.find((v) => v === 'v1beta1') ?? 'v1',
      reinvocationPolicy: h.reinvocationPolicy === 'IfNeeded' ? 'IfNeeded' : 'Never',
      ...(typeof cc.url === 'string' ? { url: cc.url } : {}),
      ...(svc ? { service: { namespace: String(svc.namespace), name: String(svc.name), path: typeof svc.path === 'string' ? svc.path : '', port: typeof svc.port === 'number' ? svc.port : 443 } } : {}),
      ...(ca !== undefined ? { ca } : {}),
      ...(Array.isArray(h.matchConditions) && h.matchConditions.length > 0
        ? { matchConditions: (h.matchConditions as Json[]).map((c) => ({ name: String(c.name), expression: String(c.expression ?? ''), program: compileCel(String(c.expression ?? '')) })) }
        : {}),
    };
  });
}

const byName = (a: KObject, b: KObject) => (a.metadata.name! < b.metadata.name! ? -1 : a.metadata.name! > b.metadata.name! ? 1 : 0);

/** Keeps the compiled list of one type current; recompiles at the first read after a change. */
export class WebhookSet {
  private compiled: CompiledWebhook[] = [];
  private dirty = false;
  private source?: ConfigurationSource;

  constructor(private readonly type: CompiledWebhook['type']) {}

  attach(source: ConfigurationSource): void {
    this.source = source;
    this.dirty = true;
    source.subscribe(() => (this.dirty = true));
  }

  /** Every webhook, configurations in name order, each configuration's webhooks in their order. */
  hooks(): readonly CompiledWebhook[] {
    if (this.dirty && this.source) {
      this.dirty = false;
      this.compiled = [...this.source.list()].sort(byName).flatMap((c) => compile(this.type, c));
    }
    return this.compiled;
  }
}
