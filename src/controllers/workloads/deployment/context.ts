// What every step of a Deployment's reconcile shares.
import type { DeploymentStatus } from 'kubernetes-types/apps/v1.js';
import type { Client } from '../../../client/types.js';
import type { EventRecorder } from '../../../client/events.js';
import type { KObject } from '../../../registry/types.js';

export interface DeploymentContext {
  client: Client;
  events: EventRecorder;
  now: () => Date;
}

/** The Deployment being reconciled: a private copy whose status the steps update as they go. */
export interface Working {
  d: KObject;
  status: DeploymentStatus;
}
