// The GCP cloud layer: the component, its args, and the pure helpers callers and tests reuse.

export { GcpServingCluster, GCP_SERVING_CLUSTER_TYPE, GcpConfigError, validateGcpCluster, type GcpServingClusterArgs } from "./cluster";
export { gcpAdapter } from "./adapter";
export { gcpSchema, gcpCapacitySchema, type GcpConfig } from "./schema";
export { GCP_MACHINES, DEFAULT_GCP_IMAGE, type GcpMachine } from "./machines";
export { checkGcpConfig, gcpPlacement } from "./checks";
export { gcpPreviewCall, gcpPreviewMocks, gcpPreviewState, gcpPreviewWorld, type GcpPreviewWorld } from "./preview-mocks";
