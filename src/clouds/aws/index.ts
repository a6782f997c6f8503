// The AWS cloud layer: the component, its args, and the pure helpers callers and tests reuse.

export { AwsServingCluster, AWS_SERVING_CLUSTER_TYPE, DLAMI_SSM_PARAMETERS, usesOwnPlacementGroup } from "./cluster";
export type { AwsServingClusterArgs } from "./args";
export { AwsConfigError, validateAwsCluster, instanceTypeOf } from "./validate";
export { efaInterfaceLayout, capacityOptions, type InterfaceSlot } from "./nodes";
export { nodePolicyDocument, type NodePolicyTargets } from "./iam";
export { chooseZone, existingSubnetProblems } from "./network";
export { weightsPrefix, STATUS_PREFIX, CACHE_PREFIX, MODELS_PREFIX } from "./storage";
export { logCommands, tailStageCommand } from "./ssm";
export { awsPartition } from "./partition";
export { awsPreviewCall, awsPreviewState, awsPreviewMocks, awsPreviewWorld, type AwsPreviewWorld } from "./preview-mocks";
export { awsSchema, awsCapacitySchema, type AwsConfig } from "./schema";
export { awsAdapter } from "./adapter";
export { checkAwsConfig, awsNodeAddresses, resolveAwsInstanceType, natSubnetCidr } from "./checks";
