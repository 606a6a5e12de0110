// RBAC assembled: the policy index over four caches, the authorizer reading it and the escalation
// check. Made before the caches exist (admission is wired before the in-process client that feeds
// them); decisions wait for `attach`, which happens once the caches have their first lists.
import type { Authorizer } from '../authz.js';
import type { AdmissionPlugin } from '../resources/context.js';
import { createRbacAuthorizer } from './authorizer.js';
import { rbacEscalation } from './escalation.js';
import { PolicyIndex, type PolicySources } from './policy.js';

export interface Rbac {
  readonly authorizer: Authorizer;
  readonly escalation: AdmissionPlugin;
  /** Resolves once attached. */
  index(): PolicyIndex | Promise<PolicyIndex>;
  attach(sources: PolicySources): void;
}

export function createRbac(): Rbac {
  let ready: PolicyIndex | undefined;
  let markReady!: (index: PolicyIndex) => void;
  const whenReady = new Promise<PolicyIndex>((resolve) => (markReady = resolve));
  const index = () => ready ?? whenReady;
  const authorizer = createRbacAuthorizer(index);
  return {
    authorizer,
    escalation: rbacEscalation({ index, authorizer }),
    index,
    attach(sources) {
      ready = new PolicyIndex(sources);
      markReady(ready);
    },
  };
}
