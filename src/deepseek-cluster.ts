// DeepSeekCluster: the whole path (config -> plan -> the cloud's component) as one component whose
// args are plain, flat interfaces, so Pulumi's schema inference can publish it to Python, Go, C# and
// YAML programs (PulumiPlugin.yaml). TypeScript users may also compose planFromConfig + the cloud
// components themselves; both paths plan with the same checks.

import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { CLOUD_IDS, type CloudId } from "./catalog/index";
import type { ClusterSettings } from "./cluster-settings";
import { cloudAdapter } from "./clouds/registry";
import type { ServingClusterOutputs } from "./clouds/adapter";
import { formatProblems, planFromConfig, type ServingPlan } from "./plan/index";
import { CLUSTER_KEY, HF_TOKEN_KEY } from "./intent/keys";
import { clusterSchema } from "./intent/schema";

/**
 * Arguments of {@link DeepSeekCluster}: the `deepseek-sglang:cluster` stack key field for field
 * (generated into cluster-settings.ts from its schema), plus the stack settings the cloud reads and
 * the secrets.
 */
export interface DeepSeekClusterArgs extends ClusterSettings {
    /** The region or location the cloud reads (`aws:region`, `gcp:region`, `azure-native:location`). Required on those clouds. */
    region?: string;
    /** Other stack settings the cloud reads, by their stack key (e.g. `gcp:project`). Default: none. */
    stackSettings?: Record<string, string>;
    /** Hugging Face token for gated or rate-limited downloads; held as a secret. Default: none. */
    hfToken?: pulumi.Input<string>;
}

/** The config map `planFromConfig` reads, built from the component's args. */
export function configFromArgs(args: DeepSeekClusterArgs): { values: Record<string, unknown>; secretKeys: Set<string> } {
    const { region, stackSettings, hfToken, ...cluster } = args;
    const values: Record<string, unknown> = { ...(stackSettings ?? {}), [CLUSTER_KEY]: settingsToConfig(cluster, clusterJsonSchema()) };
    const regionKey = (CLOUD_IDS as readonly string[]).includes(args.cloud) ? cloudAdapter(args.cloud as CloudId).stackKeys.region : null;
    if (region !== undefined && regionKey) values[regionKey] = region;
    const secretKeys = new Set<string>();
    // The planner needs only to know a token exists; its value stays an Output.
    if (hfToken !== undefined) {
        values[HF_TOKEN_KEY] = "(secret)";
        secretKeys.add(HF_TOKEN_KEY);
    }
    return { values, secretKeys };
}

/** The JSON Schema of the cluster block, as zod writes it (the generator of cluster-settings.ts reads it too). */
export interface ConfigJsonSchema {
    type?: string;
    enum?: unknown[];
    const?: unknown;
    description?: string;
    properties?: Record<string, ConfigJsonSchema>;
    required?: string[];
    items?: ConfigJsonSchema;
    anyOf?: ConfigJsonSchema[];
    additionalProperties?: ConfigJsonSchema | boolean;
}

export function clusterJsonSchema(): ConfigJsonSchema {
    return z.toJSONSchema(clusterSchema, { io: "input", unrepresentable: "any" }) as ConfigJsonSchema;
}

/** `X | false` in the config: an object that may also be turned off (settings spell it `enabled: false`). */
export function disableableObject(node: ConfigJsonSchema): ConfigJsonSchema | null {
    if (!node.anyOf || node.anyOf.length !== 2) return null;
    const obj = node.anyOf.find((b) => b.type === "object" && b.properties);
    const off = node.anyOf.find((b) => b.const === false);
    return obj && off ? obj : null;
}

/** Component settings -> the config block the planner parses (undoes the `enabled` flattening; drops undefined). */
export function settingsToConfig(value: unknown, node: ConfigJsonSchema): unknown {
    const inner = disableableObject(node);
    if (inner && isRecord(value)) {
        if (value.enabled === false) return false;
        const { enabled: _on, ...rest } = value;
        return settingsToConfig(rest, inner);
    }
    if (isRecord(value)) {
        return Object.fromEntries(
            Object.entries(value)
                .filter(([, v]) => v !== undefined)
                .map(([k, v]) => [k, node.properties?.[k] ? settingsToConfig(v, node.properties[k]) : v]),
        );
    }
    return value;
}

function isRecord(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * A DeepSeek V3/R1 deployment on SGLang: plans the row from `args` (every problem refused at once,
 * before anything is created), then builds the cluster with the cloud's component.
 */
export class DeepSeekCluster extends pulumi.ComponentResource {
    /** `http://<address>:<port>`: SGLang's OpenAI-compatible API behind the API key. */
    public readonly endpoint: pulumi.Output<string>;
    /** The generated API key (a secret). */
    public readonly apiKey: pulumi.Output<string>;
    /** The cloud's node ids, rank 0 first. */
    public readonly nodeIds: pulumi.Output<string[]>;
    /** The fixed private addresses, rank 0 first. */
    public readonly nodeAddresses: pulumi.Output<string[]>;
    /** Where each node publishes `rank-N.json` as it moves through its boot stages. */
    public readonly statusLocation: pulumi.Output<string>;
    /** On-demand list price of the cluster in USD per hour (0 when unknown). */
    public readonly costPerHour: pulumi.Output<number>;

    /**
     * @param name The _unique_ name of this component; child names derive from it.
     * @param args The deployment, as the `deepseek-sglang:cluster` stack key describes it.
     * @param opts A bag of options that control this component's behavior.
     */
    constructor(name: string, args: DeepSeekClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("deepseek-sglang:index:DeepSeekCluster", name, {}, opts);
        const plan = planOrThrow(args, this);
        const factory = cloudAdapter(plan.cloud).component?.();
        if (!factory) throw new pulumi.ResourceError(`cloud: "${plan.cloud}" has no component yet; \`npm run plan\` previews it offline`, this);
        const cluster: ServingClusterOutputs = factory(name, { plan, hfToken: args.hfToken }, { parent: this });
        this.endpoint = cluster.endpoint;
        this.apiKey = pulumi.secret(cluster.apiKey);
        this.nodeIds = cluster.nodeIds;
        this.nodeAddresses = cluster.nodeAddresses;
        this.statusLocation = cluster.statusLocation;
        this.costPerHour = cluster.costPerHour.apply((c) => c ?? 0);
        this.registerOutputs({
            endpoint: this.endpoint, apiKey: this.apiKey, nodeIds: this.nodeIds, nodeAddresses: this.nodeAddresses,
            statusLocation: this.statusLocation, costPerHour: this.costPerHour,
        });
    }
}

function planOrThrow(args: DeepSeekClusterArgs, resource: pulumi.Resource): ServingPlan {
    const { values, secretKeys } = configFromArgs(args);
    const result = planFromConfig(values, { stack: pulumi.getStack(), secretKeys });
    if (!result.ok) throw new pulumi.ResourceError(`the deployment is invalid; nothing was created:\n${formatProblems(result.problems)}`, resource, true);
    return result.plan;
}
