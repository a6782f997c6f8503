// The AWS cloud layer: the component, its args, and the pure helpers callers and tests reuse.

export { AwsServingCluster, AWS_SERVING_CLUSTER_TYPE, DLAMI_SSM_PARAMETERS, usesOwnPlacementGroup } from "./cluster.js";
export type { AwsServingClusterArgs } from "./args.js";
export { AwsConfigError, validateAwsCluster, instanceTypeOf } from "./validate.js";
export { efaInterfaceLayout, capacityOptions, type InterfaceSlot } from "./nodes.js";
export { nodePolicyDocument, type NodePolicyTargets } from "./iam.js";
export { chooseZone, existingSubnetProblems } from "./network.js";
export { weightsPrefix, STATUS_PREFIX, CACHE_PREFIX, MODELS_PREFIX } from "./storage.js";
export { logCommands, tailStageCommand } from "./ssm.js";
export { awsPartition } from "./partition.js";
export { awsPreviewCall, awsPreviewState, awsPreviewMocks, awsPreviewWorld, type AwsPreviewWorld } from "./preview-mocks.js";
