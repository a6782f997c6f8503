// The entry point of the component package (PulumiPlugin.yaml `main`): Python, Go, C#, Java and YAML
// programs get DeepSeekCluster through `pulumi package add`. Only components whose args Pulumi's
// schema inference can read are exported here; the per-cloud components take a ServingPlan and stay
// TypeScript-only (src/index.ts).

export { DeepSeekCluster } from "./deepseek-cluster";
