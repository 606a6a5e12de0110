// What an etcd call's failure means for the caller: the datastore away (nothing applied, safe to try
// again), a write that may have been applied, or an answer from etcd itself (left as it is).
//
// The line between the first two is EtcdError.notSent (etcd-client.ts): only a call that never got a
// stream to a member, had its stream refused, or was past the last stream the member's GOAWAY said it
// processed, is surely not applied. Everything else — the connection dropped, reset or timed
// out after the stream opened, or etcd's own "request timed out" / "server stopped" after a proposal —
// may have committed: a write is then OutcomeUnknown, never Unavailable.
import { StorageError } from '../backend.js';
import { EtcdError } from './etcd-client.js';

/** The transport failed (rather than etcd answering no): a member down, restarting or unreachable. */
function connectionFailure(err: EtcdError): boolean {
  // grpc-channel.ts reports a stream cut mid-answer as UNAVAILABLE too.
  return err.code === 'UNAVAILABLE' || err.code === 'DEADLINE_EXCEEDED';
}

/** A failed read or idempotent call: the datastore away is Unavailable (a read applies nothing). */
export function readFailure(err: unknown): unknown {
  if (err instanceof EtcdError && connectionFailure(err)) return new StorageError('Unavailable', err.message);
  return err;
}

/** A failed write: Unavailable only when it never left this process; OutcomeUnknown when it may have. */
export function writeFailure(err: unknown): unknown {
  if (!(err instanceof EtcdError)) return err;
  if (err.notSent) return new StorageError('Unavailable', err.message);
  if (connectionFailure(err)) return new StorageError('OutcomeUnknown', `${err.message}; the write may or may not have been applied`);
  return err;
}
