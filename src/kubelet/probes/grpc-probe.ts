// gRPC probes: the standard health protocol (grpc.health.v1.Health/Check) over plaintext, asking
// about the probe's `service` ('' means the server as a whole); SERVING is healthy. A fresh
// connection each time, as upstream dials each time, so a probe sees what a new client would.
import * as grpc from '@grpc/grpc-js';
import { fromJSON } from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import { goDuration } from '../backoff.js';
import { joinHostPort } from './net-errors.js';
import { PROBE_USER_AGENT, type ProbeAttempt } from './types.js';

/** The health protocol's messages as grpc.io publishes them; only Check is needed here. */
export const HEALTH_PROTO = `
syntax = "proto3";
package grpc.health.v1;
message HealthCheckRequest { string service = 1; }
message HealthCheckResponse {
  enum ServingStatus { UNKNOWN = 0; SERVING = 1; NOT_SERVING = 2; SERVICE_UNKNOWN = 3; }
  ServingStatus status = 1;
}
service Health { rpc Check(HealthCheckRequest) returns (HealthCheckResponse); }
`;

let health: grpc.ServiceClientConstructor | undefined;

/** The Health service: a client constructor, whose `.service` also serves (tests run a server with it). */
export function healthService(): grpc.ServiceClientConstructor {
  if (!health) {
    const definition = fromJSON(protobuf.parse(HEALTH_PROTO).root.toJSON(), { enums: String, defaults: true });
    const pkg = grpc.loadPackageDefinition(definition) as unknown as { grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } } };
    health = pkg.grpc.health.v1.Health;
  }
  return health;
}

/** Go's names for status codes, as its errors print them ("rpc error: code = NotFound desc = ..."). */
function goCodeName(code: number): string {
  const name = (grpc.status as unknown as Record<number, string>)[code] ?? String(code);
  if (name === 'CANCELLED') return 'Canceled';
  if (name === 'OK') return 'OK';
  return name.toLowerCase().replace(/(^|_)([a-z])/g, (_, _sep: string, c: string) => c.toUpperCase());
}

export function grpcProbe(host: string, port: number, service: string, timeoutSeconds: number): Promise<ProbeAttempt> {
  const addr = joinHostPort(host, port);
  const within = goDuration(timeoutSeconds * 1000);
  const Health = healthService();
  const client = new Health(addr, grpc.credentials.createInsecure(), {
    'grpc.primary_user_agent': PROBE_USER_AGENT,
    // One question, one answer: a retry would only blur what the container said.
    'grpc.enable_retries': 0,
  });
  const deadline = Date.now() + timeoutSeconds * 1000;
  return new Promise<ProbeAttempt>((resolve) => {
    client.waitForReady(deadline, (err) => {
      if (err) {
        resolve({ result: 'failure', output: `timeout: failed to connect service ${JSON.stringify(addr)} within ${within}: context deadline exceeded` });
        return;
      }
      const check = (client as unknown as Record<string, (req: object, opts: grpc.CallOptions, cb: grpc.requestCallback<{ status?: string }>) => void>).Check!;
      check.call(client, { service }, { deadline }, (callErr, res) => {
        if (callErr) {
          const code = callErr.code;
          if (code === grpc.status.UNIMPLEMENTED) {
            resolve({ result: 'failure', output: `error: this server does not implement the grpc health protocol (grpc.health.v1.Health): ${callErr.details}` });
          } else if (code === grpc.status.DEADLINE_EXCEEDED) {
            resolve({ result: 'failure', output: `timeout: health rpc did not complete within ${within}` });
          } else {
            resolve({ result: 'failure', output: `error: health rpc probe failed: rpc error: code = ${goCodeName(code)} desc = ${callErr.details}` });
          }
          return;
        }
        const status = res?.status ?? 'UNKNOWN';
        if (status === 'SERVING') resolve({ result: 'success', output: 'service healthy' });
        else resolve({ result: 'failure', output: `service unhealthy (responded with ${JSON.stringify(status)})` });
      });
    });
  }).finally(() => client.close());
}
