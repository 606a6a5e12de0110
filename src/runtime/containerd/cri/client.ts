// A CRI client over a unix socket: the two services of runtime.v1 as promise-returning calls, each
// with a deadline. Messages are plain objects with camelCase fields; 64-bit integers arrive as
// numbers (nanosecond timestamps lose nothing that matters) and enums as their names.
import * as grpc from '@grpc/grpc-js';
import { fromJSON } from '@grpc/proto-loader';
import protobuf from 'protobufjs';
import { CRI_PROTO } from './runtime-v1-proto.js';

/** A failed CRI call: the gRPC status name (NotFound, Unavailable, DeadlineExceeded...) and the
 *  runtime's own message. */
export class CriError extends Error {
  constructor(
    readonly method: string,
    readonly code: string,
    readonly details: string,
  ) {
    super(`${method}: ${details || code}`);
    this.name = 'CriError';
  }
}

export const isNotFound = (err: unknown) => err instanceof CriError && err.code === 'NOT_FOUND';

type Call = (request: object, options?: { deadlineMs?: number }) => Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface CriClient {
  runtime: Record<string, Call>;
  image: Record<string, Call>;
  close(): void;
}

let definitions: grpc.GrpcObject | undefined;

function services(): { RuntimeService: grpc.ServiceClientConstructor; ImageService: grpc.ServiceClientConstructor } {
  if (!definitions) {
    const root = protobuf.parse(CRI_PROTO).root;
    const packageDefinition = fromJSON(root.toJSON(), { longs: Number, enums: String, defaults: true });
    definitions = grpc.loadPackageDefinition(packageDefinition);
  }
  const v1 = (definitions.runtime as grpc.GrpcObject).v1 as grpc.GrpcObject;
  return { RuntimeService: v1.RuntimeService as grpc.ServiceClientConstructor, ImageService: v1.ImageService as grpc.ServiceClientConstructor };
}

const statusNames = Object.fromEntries(Object.entries(grpc.status).filter(([, v]) => typeof v === 'number').map(([k, v]) => [v, k])) as Record<number, string>;

/** `defaultDeadlineMs` bounds every call that does not name its own (image pulls do). */
export function connectCri(socketPath: string, opts: { defaultDeadlineMs?: number } = {}): CriClient {
  const { RuntimeService, ImageService } = services();
  const target = `unix://${socketPath}`;
  const credentials = grpc.credentials.createInsecure();
  // Large enough for ListContainers on a busy node and exec output.
  const channelOptions = { 'grpc.max_receive_message_length': 64 * 1024 * 1024 };
  const runtimeClient = new RuntimeService(target, credentials, channelOptions);
  const imageClient = new ImageService(target, credentials, channelOptions);
  const wrap = (client: grpc.Client, service: grpc.ServiceClientConstructor): Record<string, Call> => {
    const calls: Record<string, Call> = {};
    for (const method of Object.keys(service.service)) {
      calls[method] = (request, options = {}) =>
        new Promise((resolve, reject) => {
          const deadline = new Date(Date.now() + (options.deadlineMs ?? opts.defaultDeadlineMs ?? 30_000));
          (client as unknown as Record<string, (r: object, o: grpc.CallOptions, cb: grpc.requestCallback<unknown>) => void>)[method]!(
            request,
            { deadline },
            (err, response) => {
              if (err) reject(new CriError(method, statusNames[err.code] ?? String(err.code), err.details));
              else resolve(response);
            },
          );
        });
    }
    return calls;
  };
  return {
    runtime: wrap(runtimeClient, RuntimeService),
    image: wrap(imageClient, ImageService),
    close() {
      runtimeClient.close();
      imageClient.close();
    },
  };
}
