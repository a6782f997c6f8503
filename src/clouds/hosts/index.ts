// The hosts cloud layer: the component, its args, and the pure helpers callers and tests reuse.

export { HostsServingCluster, HOSTS_SERVING_CLUSTER_TYPE, connectionOf, hostsServingCluster, type HostsServingClusterArgs } from "./cluster";
export { hostsPreviewMocks, hostsPreviewState } from "./preview-mocks";
export { hostsAdapter, hostsNodeEnv } from "./adapter";
export { hostsSchema, type HostsConfig } from "./schema";
export { hostsProblems, validateHostsCluster, HostsConfigError } from "./validate";
export { preflightArgs, preflightScript, installCommand, destroyCommand, bundleEntries, hostStdin, bundleDigest, type RemoteScript } from "./commands";
export { reachCommands, sshCommand, sshTarget } from "./reach";
