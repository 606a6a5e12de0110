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

// The other access reviews: one subject's access (SubjectAccessReview, or LocalSubjectAccessReview
// within one namespace), and what the caller may do in a namespace (`kubectl auth can-i --list`).
const review: Pick<ResourceDescriptor, 'group' | 'version' | 'verbs' | 'generation' | 'ephemeral'> = { group: 'authorization.k8s.io', version: 'v1', verbs: ['create'], generation: false, ephemeral: true };

export const subjectAccessReview: ResourceDescriptor = {
  ...review,
  kind: 'SubjectAccessReview',
  listKind: 'SubjectAccessReviewList',
  plural: 'subjectaccessreviews',
  singular: 'subjectaccessreview',
  namespaced: false,
};

export const localSubjectAccessReview: ResourceDescriptor = {
  ...review,
  kind: 'LocalSubjectAccessReview',
  listKind: 'LocalSubjectAccessReviewList',
  plural: 'localsubjectaccessreviews',
  singular: 'localsubjectaccessreview',
  namespaced: true,
};

export const selfSubjectRulesReview: ResourceDescriptor = {
  ...review,
  kind: 'SelfSubjectRulesReview',
  listKind: 'SelfSubjectRulesReviewList',
  plural: 'selfsubjectrulesreviews',
  singular: 'selfsubjectrulesreview',
  namespaced: false,
};

/** Whether a bearer token is valid and whose it is: what webhooks and aggregated servers ask. */
export const tokenReview: ResourceDescriptor = {
  group: 'authentication.k8s.io',
  version: 'v1',
  kind: 'TokenReview',
  listKind: 'TokenReviewList',
  plural: 'tokenreviews',
  singular: 'tokenreview',
  namespaced: false,
  verbs: ['create'],
  generation: false,
  ephemeral: true,
};
