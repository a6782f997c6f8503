// The registry of cloud adapters: the one place that maps `cloud:` to the code that serves it. The
// planner, the boot renderer, the CLI and the program reach a cloud only through it. Pure: loading
// it loads no Pulumi SDK (each adapter loads its component on first use).
//
// A new cloud: add its folder (src/clouds/<cloud>/adapter.ts exporting a CloudAdapter) and one line here.

import type { CloudId } from "../catalog/index";
import type { CloudAdapter } from "./adapter";
import { awsAdapter } from "./aws/adapter";
import { azureAdapter } from "./azure/adapter";
import { gcpAdapter } from "./gcp/adapter";
import { hostsAdapter } from "./hosts/adapter";

export const CLOUD_ADAPTERS = {
    aws: awsAdapter,
    gcp: gcpAdapter,
    azure: azureAdapter,
    hosts: hostsAdapter,
} as const satisfies Record<CloudId, CloudAdapter>;

export function cloudAdapter(cloud: CloudId): CloudAdapter {
    return CLOUD_ADAPTERS[cloud] as CloudAdapter;
}

/** Clouds whose adapter builds real resources; the others are previewed offline and refused by `pulumi up`. */
export function hasComponent(cloud: CloudId): boolean {
    return cloudAdapter(cloud).component !== undefined;
}
