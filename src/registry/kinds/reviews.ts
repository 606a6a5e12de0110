// The self reviews behind `kubectl auth can-i` and `kubectl auth whoami`: created, answered with
// their status filled in, never stored.
import type { ResourceDescriptor } from '../types.js';

export const selfSubjectAccessReview: ResourceDescriptor = {
  group: 'authorization.k8s.io',
  version: 'v1',
  kind: 'SelfSubjectAccessReview',
  listKind: 'SelfSubjectAccessReviewList',
  plural: 'selfsubjectaccessreviews',
  singular: 'selfsubjectaccessreview',
  namespaced: false,
  verbs: ['create'],
  generation: false,
  ephemeral: true,
};

export const selfSubjectReview: ResourceDescriptor = {
  group: 'authentication.k8s.io',
  version: 'v1',
  kind: 'SelfSubjectReview',
  listKind: 'SelfSubjectReviewList',
  plural: 'selfsubjectreviews',
  singular: 'selfsubjectreview',
  namespaced: false,
  verbs: ['create'],
  generation: false,
  ephemeral: true,
};
