// Public API of the library: import { AwsServingCluster, planFromConfig, ... } from "deepseek-sglang".

export * from "./catalog/index.js";
export * from "./spec/schema.js";
export { parseDeploymentConfig, type DeploymentSpec } from "./spec/parse.js";
export * from "./plan/index.js";
export { renderUserData } from "./boot/index.js";
export type { BootHooks } from "./boot/hooks.js";
export * from "./clouds/aws/index.js";
