// Refuses new custom objects of a CRD that is being deleted: its cleanup is listing and deleting
// them, and one created behind its back would be left in storage with no kind to reach it.
import { customResourceInfo } from '../../registry/crd/descriptors.js';
import { ApiError } from '../errors.js';
import type { AdmissionPlugin } from '../resources/context.js';

export function crdTerminatingAdmission(isTerminating: (crdName: string) => boolean): AdmissionPlugin {
  return {
    name: 'CustomResourceTerminating',
    admit(req) {
      if (req.operation !== 'CREATE') return;
      const info = customResourceInfo(req.descriptor);
      if (info && isTerminating(info.crd)) {
        throw new ApiError(405, 'MethodNotAllowed', `create not allowed while custom resource definition is terminating`);
      }
    },
  };
}
