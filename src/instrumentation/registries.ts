// The two Prometheus registries a k3ts process fills. One process may hold a control plane and a
// node at once (the server with its own agent); they are scraped at different addresses (the API
// server's /metrics, the kubelet API's /metrics), so each keeps its own registry, as upstream's
// separate binaries would. This folder imports nothing of k3ts, so every layer may record into it.
import { collectDefaultMetrics, Registry } from 'prom-client';

/** API server, storage, scheduler and controllers (work queues). */
export const controlPlaneRegistry = new Registry();
/** Kubelet, service proxy and overlay network of the node this process runs. */
export const nodeRegistry = new Registry();

// Process CPU, memory, file descriptors and event-loop lag: read when scraped, no timers of their own
// (event-loop lag keeps one histogram armed, which is why it is sampled coarsely).
collectDefaultMetrics({ register: controlPlaneRegistry, eventLoopMonitoringPrecision: 50 });
collectDefaultMetrics({ register: nodeRegistry, eventLoopMonitoringPrecision: 50 });

/** The text exposition format's content type (0.0.4), what Prometheus asks for by default. */
export const EXPOSITION_CONTENT_TYPE = controlPlaneRegistry.contentType;

/** Upstream's latency buckets for operations that take milliseconds to seconds. */
export const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
