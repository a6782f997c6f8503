// DeepSeekCluster: the whole path (config -> plan -> the cloud's component) as one component whose
// args are plain, flat interfaces, so Pulumi's schema inference can publish it to Python, Go, C# and
// YAML programs (PulumiPlugin.yaml). TypeScript users may also compose planFromConfig + the cloud
// components themselves; both paths plan with the same checks.

import * as pulumi from "@pulumi/pulumi";
import type { CloudId } from "./catalog/index";
import { cloudAdapter } from "./clouds/registry";
import type { ServingClusterOutputs } from "./clouds/adapter";
import { formatProblems, planFromConfig, type ServingPlan } from "./plan/index";
import { CLUSTER_KEY, HF_TOKEN_KEY } from "./spec/keys";
import type { ClusterConfig } from "./spec/schema";

/** The MTP (EAGLE) speculative decoding settings of the seed's recipes. */
export interface MtpArgs {
    /** `--speculative-num-steps`. */
    steps: number;
    /** `--speculative-eagle-topk`. */
    topk: number;
    /** `--speculative-num-draft-tokens`. */
    draftTokens: number;
}

/** torch.compile as the row's recipe uses it. */
export interface TorchCompileArgs {
    /** `false` turns off the torch.compile a row's recipe turns on. Default: the recipe's choice. */
    enabled?: boolean;
    /** `--torch-compile-max-bs`. Default: the recipe's. */
    maxBs?: number;
}

/** SGLang settings; every field optional (the row's recipe decides what is unset). */
export interface SglangArgs {
    /** A release the library knows (catalog/releases.ts). Default: the catalog's default release. */
    version?: string;
    /** `--attention-backend`. Default: the release's own choice for the GPU. */
    attentionBackend?: string;
    /** DP size for `--enable-dp-attention`. Default: off. */
    dpAttention?: number;
    /** Multi-token prediction. Default: off. */
    mtp?: MtpArgs;
    /** `--tool-call-parser` for the model. Default: off. */
    toolCalling?: boolean;
    /** `--reasoning-parser` (e.g. `deepseek-r1`). Default: none. */
    reasoningParser?: string;
    /** `--enable-custom-logit-processor` (the thinking-budget processor). Default: off. */
    customLogitProcessor?: boolean;
    /** torch.compile. Default: the recipe's. */
    torchCompile?: TorchCompileArgs;
    /** `--mem-fraction-static`, between 0 and 1. Default: SGLang's. */
    memFractionStatic?: number;
    /** Force DeepGEMM on or off. Default: on for FP8 on Hopper. */
    deepGemm?: boolean;
    /** Require the chunked prefix cache. Default: SGLang's. */
    chunkedPrefixCache?: boolean;
    /** Further SGLang flags, checked against the release's own flag set. Default: none. */
    extraArgs?: string[];
}

/**
 * Arguments of {@link DeepSeekCluster}: the `deepseek-sglang:cluster` stack config key, field for
 * field (docs/config-reference.md), plus the stack settings the cloud reads and the secrets.
 */
export interface DeepSeekClusterArgs {
    /** Where the nodes run: `aws`, `gcp`, `azure` or `hosts`. */
    cloud: string;
    /** `H200`, `H100`, `H800`, `H20`, `A100`, `A800`, `L40S` or `MI300X`. */
    gpu: string;
    /** `fp8`, `bf16`, `awq` or `int8`. */
    weights: string;
    /** Node count. Default: the row's. */
    nodes?: number;
    /** Hugging Face repo id. Default: the row's recipe checkpoint. */
    model?: string;
    /** Git revision of the model repo (a 40-hex commit, tag or branch). Default: `main`. */
    revision?: string;
    /** SGLang settings. Default: the row's recipe. */
    sglang?: SglangArgs;
    /** The cloud's block (`aws`, `gcp`, `azure`, `hosts`), as JSON text of the config reference's fields for that cloud. Default: none. */
    cloudSettings?: string;
    /** The region or location the cloud reads (`aws:region`, `gcp:region`, `azure-native:location`). */
    region?: string;
    /** Other stack settings the cloud reads, by their stack key (e.g. `gcp:project`). Default: none. */
    stackSettings?: Record<string, string>;
    /** Hugging Face token for gated or rate-limited downloads; held as a secret. Default: none. */
    hfToken?: pulumi.Input<string>;
}

/** The config map `planFromConfig` reads, built from the component's args. */
export function configFromArgs(args: DeepSeekClusterArgs): { values: Record<string, unknown>; secretKeys: Set<string> } {
    const cluster: Record<string, unknown> = definedOnly({
        cloud: args.cloud,
        gpu: args.gpu,
        weights: args.weights,
        nodes: args.nodes,
        model: args.model,
        revision: args.revision,
        sglang: args.sglang === undefined ? undefined : sglangConfig(args.sglang),
    });
    const values: Record<string, unknown> = { [CLUSTER_KEY]: cluster, ...(args.stackSettings ?? {}) };
    if (args.cloudSettings !== undefined) cluster[args.cloud] = parseCloudSettings(args.cloudSettings);
    const regionKey = isCloudId(args.cloud) ? cloudAdapter(args.cloud).stackKeys.region : null;
    if (args.region !== undefined && regionKey) values[regionKey] = args.region;
    const secretKeys = new Set<string>();
    // The planner needs only to know a token exists; its value stays an Output.
    if (args.hfToken !== undefined) {
        values[HF_TOKEN_KEY] = "(secret)";
        secretKeys.add(HF_TOKEN_KEY);
    }
    return { values, secretKeys };
}

function sglangConfig(s: SglangArgs): NonNullable<ClusterConfig["sglang"]> {
    const { torchCompile, ...rest } = s;
    const torch = torchCompile === undefined ? undefined : torchCompile.enabled === false ? false : torchCompile.maxBs === undefined ? undefined : { maxBs: torchCompile.maxBs };
    return definedOnly({ ...rest, torchCompile: torch }) as NonNullable<ClusterConfig["sglang"]>;
}

function parseCloudSettings(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return text; // the planner refuses a non-object block with its config path
    }
}

function isCloudId(cloud: string): cloud is CloudId {
    return ["aws", "gcp", "azure", "hosts"].includes(cloud);
}

function definedOnly<T extends Record<string, unknown>>(o: T): T {
    return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
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
