// The simulated runtime against the suite every runtime passes.
import { runRuntimeConformance } from '../conformance.js';
import { SimRuntime } from './sim-runtime.js';

runRuntimeConformance('sim', async () => {
  const runtime = new SimRuntime();
  return {
    runtime,
    image: 'busybox',
    podCidr: '10.42.7.0/24',
    // The simulator keeps logs in memory and writes nothing here.
    logRoot: '/var/log/pods',
    realProcesses: false,
    cleanup: () => runtime.close(),
  };
});
