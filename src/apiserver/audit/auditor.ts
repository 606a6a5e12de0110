// One audit record per request: who asked (and as whom), what, what the authorizer said and what was
// answered, written as `audit.k8s.io/v1` Events at the stages the policy keeps. The HTTP front tells
// the record what it learns as the request passes through; the record writes its events itself.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { parse as parseYaml } from 'yaml';
import { decodeKubernetesProtobuf } from '../protobuf/decode.js';
import { ApiError, ClientGoneError } from '../errors.js';
import type { UserInfo } from '../authn.js';
import type { Authorizer, Decision } from '../authz.js';
import { parseRequestInfo, type RequestInfo } from '../request-info.js';
import { decide, type AuditDecision, type AuditPolicy, type AuditStage } from './policy.js';
import type { LineLog } from './log-file.js';
import { takeRequestBody, wantRequestBody } from './request-body.js';

export interface Auditor {
  /** Starts the record of a request (and answers its Audit-Id header). */
  begin(req: IncomingMessage, res: ServerResponse): AuditRecord;
  /** The same for an upgrade (exec, attach, port-forward), which answers on the raw socket. */
  beginUpgrade(req: IncomingMessage, socket: Duplex): AuditRecord;
  close(): Promise<void>;
}

export interface AuditRecord {
  /** The authenticated user and, when impersonating, the user acted as. */
  identify(authenticated: UserInfo | undefined, actingAs?: UserInfo): void;
  /** Settles the level once user and request are known (the request read from its URL when not
   *  given); writes RequestReceived. */
  received(info?: RequestInfo): void;
  authorized(decision: Decision): void;
  /** The error the request ended with, for the event's responseStatus. */
  failed(err: unknown): void;
  /** Wraps an authorizer so that its answer for this request is recorded too. */
  recording(authorizer: Authorizer): Authorizer;
}

/** The verbs and subresources kube-apiserver treats as long-running: they get a ResponseStarted event. */
const longRunningSubresources = new Set(['exec', 'attach', 'portforward', 'log', 'proxy']);
const isLongRunning = (info: RequestInfo) =>
  info.kind === 'resource' && (info.verb === 'watch' || (info.subresource !== undefined && longRunningSubresources.has(info.subresource)));

/** Microseconds since the epoch, as the Event's MicroTime wants them. */
function microNow(): number {
  return Math.floor((performance.timeOrigin + performance.now()) * 1000);
}

export function microTime(us: number): string {
  const iso = new Date(Math.floor(us / 1000)).toISOString();
  return `${iso.slice(0, -1)}${String(us % 1000).padStart(3, '0')}Z`;
}

function sourceIPs(req: IncomingMessage): string[] {
  const ips: string[] = [];
  const add = (ip: string | undefined) => {
    const v = ip?.trim().replace(/^::ffff:(?=\d+\.)/, '');
    if (v && !ips.includes(v)) ips.push(v);
  };
  const xff = req.headers['x-forwarded-for'];
  for (const part of (Array.isArray(xff) ? xff.join(',') : xff ?? '').split(',')) add(part);
  add(req.headers['x-real-ip'] as string | undefined);
  add(req.socket.remoteAddress);
  return ips;
}

const userOf = (u: UserInfo) => ({ username: u.name, ...(u.uid ? { uid: u.uid } : {}), groups: u.groups });

function objectRef(info: RequestInfo) {
  if (info.kind !== 'resource') return undefined;
  return {
    resource: info.resource,
    ...(info.namespace !== undefined ? { namespace: info.namespace } : {}),
    ...(info.name !== undefined ? { name: info.name } : {}),
    ...(info.group ? { apiGroup: info.group } : {}),
    apiVersion: info.version,
    ...(info.subresource ? { subresource: info.subresource } : {}),
  };
}

function withoutManagedFields(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  const o = v as { metadata?: Record<string, unknown>; items?: unknown[] };
  const out: Record<string, unknown> = { ...o };
  if (o.metadata && 'managedFields' in o.metadata) {
    const { managedFields: _m, ...meta } = o.metadata;
    out.metadata = meta;
  }
  if (Array.isArray(o.items)) out.items = o.items.map(withoutManagedFields);
  return out;
}

/** A body as an object for the event, when it is JSON or YAML; protobuf and others are left out. */
function bodyObject(body: Buffer | undefined, contentType: string | undefined, encoding?: string): unknown {
  if (!body || body.length === 0) return undefined;
  try {
    const raw = encoding === 'gzip' ? gunzipSync(body) : body;
    const type = (contentType ?? 'application/json').split(';')[0]!.trim().toLowerCase();
    if (type === 'application/json' || type.endsWith('+json') || type === '') return JSON.parse(raw.toString('utf8'));
    if (type === 'application/yaml') return parseYaml(raw.toString('utf8'));
    if (type === 'application/vnd.kubernetes.protobuf') return decodeKubernetesProtobuf(raw).object;
  } catch {
    // Not decodable: the event goes without it rather than failing.
  }
  return undefined;
}

export interface AuditorOptions {
  policy: AuditPolicy;
  log: LineLog;
}

export function createAuditor(o: AuditorOptions): Auditor {
  const { policy, log } = o;


  return {
    begin(req, res) {
      const auditID = idFor(req);
      res.setHeader('Audit-Id', auditID);
      const live = new Live(policy, log, req, auditID, res);
      res.once('close', () => live.complete(res.statusCode));
      return live;
    },
    beginUpgrade(req, socket) {
      const live = new Live(policy, log, req, idFor(req));
      {
        // The answer goes out as raw bytes: its status line says how it went.
        let code = 0;
        const sniff = (chunk: unknown) => {
          if (code !== 0) return;
          const m = /^HTTP\/1\.1 (\d{3})/.exec(typeof chunk === 'string' ? chunk.slice(0, 16) : Buffer.isBuffer(chunk) ? chunk.subarray(0, 16).toString('latin1') : '');
          if (!m) return;
          code = Number(m[1]);
          if (code === 101) live.started(code);
        };
        const write = socket.write;
        socket.write = function (this: Duplex, chunk: unknown, ...rest: unknown[]) {
          sniff(chunk);
          return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
        } as typeof socket.write;
        // A refusal is written with end(), which does not pass through write().
        const end = socket.end;
        socket.end = function (this: Duplex, chunk?: unknown, ...rest: unknown[]) {
          if (typeof chunk !== 'function') sniff(chunk);
          return (end as (...a: unknown[]) => Duplex).call(this, chunk, ...rest);
        } as typeof socket.end;
        socket.once('close', () => live.complete(code || 500));
      }
      return live;
    },
    close: () => log.close(),
  };
}

/** Upstream answers every request with an Audit-Id, audited or not. */
export function setAuditId(req: IncomingMessage, res: ServerResponse): void {
  res.setHeader('Audit-Id', idFor(req));
}

/** Upstream takes a caller's Audit-ID header as the request's ID. */
function idFor(req: IncomingMessage): string {
  const given = req.headers['audit-id'];
  return typeof given === 'string' && given.trim() !== '' && given.length <= 128 ? given.trim() : randomUUID();
}

class Live implements AuditRecord {
  private readonly receivedAt = microNow();
  private user?: UserInfo;
  private actingAs?: UserInfo;
  private info?: RequestInfo;
  private decision?: AuditDecision;
  private authz?: Decision;
  private error?: unknown;
  private responseChunks?: Buffer[];
  private done = false;
  private startedWritten = false;

  constructor(
    private readonly policy: AuditPolicy,
    private readonly log: LineLog,
    private readonly req: IncomingMessage,
    private readonly auditID: string,
    private readonly res?: ServerResponse,
  ) {}

  identify(authenticated: UserInfo | undefined, actingAs?: UserInfo): void {
    this.user = authenticated;
    if (actingAs && actingAs !== authenticated) this.actingAs = actingAs;
  }

  received(given?: RequestInfo): void {
    if (given) this.info = given;
    const d = this.settle();
    const info = this.info!;
    if (d.level === 'None') return;
    if (d.level !== 'Metadata') wantRequestBody(this.req);
    if (d.level === 'RequestResponse' && !isLongRunning(info)) this.responseChunks = [];
    // The answer is only looked at when it matters: its body, or when a long-running one starts.
    if (this.res && (this.responseChunks || isLongRunning(info))) this.watchResponse(this.res);
    this.emit('RequestReceived');
  }

  authorized(decision: Decision): void {
    this.authz = decision;
  }

  failed(err: unknown): void {
    this.error = err;
  }

  recording(authorizer: Authorizer): Authorizer {
    return {
      ...authorizer,
      authorize: async (user, info) => {
        const d = await authorizer.authorize(user, info);
        this.authz = d;
        return d;
      },
    };
  }

  /** Keeps what a RequestResponse answer writes, and notes when a long-running one starts. */
  private watchResponse(res: ServerResponse): void {
    const self = this;
    const writeHead = res.writeHead;
    res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
      const out = (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
      if (self.info && isLongRunning(self.info)) self.started(res.statusCode);
      return out;
    } as typeof res.writeHead;
    const keep = (chunk: unknown) => {
      if (!self.responseChunks || chunk === undefined || chunk === null || typeof chunk === 'function') return;
      self.responseChunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array));
    };
    const write = res.write;
    res.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
      keep(chunk);
      return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
    } as typeof res.write;
    const end = res.end;
    res.end = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
      keep(chunk);
      return (end as (...a: unknown[]) => ServerResponse).call(this, chunk, ...rest);
    } as typeof res.end;
  }

  started(code: number): void {
    if (this.startedWritten || this.done) return;
    this.startedWritten = true;
    if (this.settle().level !== 'None') this.emit('ResponseStarted', code);
  }

  complete(code: number): void {
    if (this.done) return;
    this.done = true;
    const d = this.settle();
    if (d.level === 'None') return;
    const panicked = this.error !== undefined && !(this.error instanceof ApiError) && !(this.error instanceof ClientGoneError);
    this.emit(panicked ? 'Panic' : 'ResponseComplete', code);
  }

  /** The policy's answer; a request refused before it was parsed is judged by its URL. */
  private settle(): AuditDecision {
    if (this.decision) return this.decision;
    if (!this.info) {
      try {
        const url = new URL(`https://localhost${this.req.url?.startsWith('/') ? this.req.url : '/'}`);
        this.info = parseRequestInfo(this.req.method ?? 'GET', url.pathname, url.searchParams);
      } catch {
        this.info = { kind: 'nonresource', verb: (this.req.method ?? 'get').toLowerCase(), path: this.req.url ?? '/' };
      }
    }
    const subject = this.actingAs ?? this.user ?? { name: 'system:anonymous', groups: ['system:unauthenticated'] };
    this.decision = decide(this.policy, subject, this.info);
    return this.decision;
  }

  private emit(stage: AuditStage, code?: number): void {
    const d = this.decision!;
    if (d.omitStages.has(stage)) return;
    const info = this.info!;
    const event: Record<string, unknown> = {
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: d.level,
      auditID: this.auditID,
      stage,
      requestURI: this.req.url ?? '/',
      verb: info.verb,
      // A request refused at authentication has no user, as upstream records it.
      user: this.user ? userOf(this.user) : code === 401 ? {} : { username: 'system:anonymous', groups: ['system:unauthenticated'] },
    };
    if (this.actingAs) event.impersonatedUser = userOf(this.actingAs);
    event.sourceIPs = sourceIPs(this.req);
    const ua = this.req.headers['user-agent'];
    if (ua) event.userAgent = ua;
    const ref = objectRef(info);
    if (ref) event.objectRef = ref;
    if (code !== undefined) event.responseStatus = this.responseStatus(stage, code);
    if (d.level !== 'Metadata' && stage !== 'RequestReceived') {
      const body = takeRequestBody(this.req);
      if (body) this.requestObject = 'object' in body ? body.object : bodyObject(body.raw, this.req.headers['content-type']);
    }
    if (this.requestObject !== undefined) event.requestObject = d.omitManagedFields ? withoutManagedFields(this.requestObject) : this.requestObject;
    if (stage === 'ResponseComplete' && this.responseChunks && this.res) {
      const obj = bodyObject(Buffer.concat(this.responseChunks), String(this.res.getHeader('content-type') ?? ''), String(this.res.getHeader('content-encoding') ?? ''));
      if (obj !== undefined) event.responseObject = d.omitManagedFields ? withoutManagedFields(obj) : obj;
    }
    event.requestReceivedTimestamp = microTime(this.receivedAt);
    event.stageTimestamp = microTime(stage === 'RequestReceived' ? this.receivedAt : microNow());
    if (this.authz) {
      event.annotations = { 'authorization.k8s.io/decision': this.authz.allowed ? 'allow' : 'forbid', 'authorization.k8s.io/reason': this.authz.reason ?? '' };
    }
    this.log.write(JSON.stringify(event));
  }

  private requestObject?: unknown;

  private responseStatus(stage: AuditStage, code: number): Record<string, unknown> {
    if (stage === 'Panic') return { metadata: {}, status: 'Failure', message: `APIServer panic'd: ${(this.error as Error)?.message ?? String(this.error)}`, reason: 'InternalError', code: 500 };
    if (this.error instanceof ApiError && code === this.error.code) {
      const { kind: _k, apiVersion: _a, ...status } = this.error.toStatus();
      return status;
    }
    return code >= 400 ? { metadata: {}, status: 'Failure', code } : { metadata: {}, code };
  }
}
