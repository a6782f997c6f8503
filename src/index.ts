// Public API of the library: import { AwsServingCluster, planFromConfig, cloudAdapter, ... } from "deepseek-sglang".

export * from "./catalog/index";
export * from "./intent/schema";
export { parseDeploymentConfig, type DeploymentSpec } from "./intent/parse";
export * from "./plan/index";
export { renderUserData } from "./boot/index";
export type { BootHooks } from "./boot/hooks";
export * from "./clouds/aws/index";
export * from "./clouds/gcp/index";
export * from "./clouds/hosts/index";
export { CLOUD_ADAPTERS, cloudAdapter, hasComponent } from "./clouds/registry";
export type { CloudAdapter, PlacementContext, ServingClusterArgs, ServingClusterOutputs, ServingClusterFactory } from "./clouds/adapter";
export { DeepSeekCluster, configFromArgs, type DeepSeekClusterArgs } from "./deepseek-cluster";
export type * from "./cluster-settings";
