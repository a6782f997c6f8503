// The cloud seam (DESIGN.md, "The cloud seam"): what every cloud, and `hosts`, provides to the rest of
// the library. The pure half is plain data and functions; the Pulumi half is loaded only when a
// component is built, so the planner, the boot renderer and the CLI never load a Pulumi SDK.
// (The Pulumi types below are erased at compile time.)

import type * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import type { CloudId, GpuId, InstanceType } from "../catalog/index";
import type { BootHooks } from "../boot/hooks";
import type { Placement, Problem, ServingPlan } from "../plan/types";
import type { StagingHost } from "../weights/staging";

/** What an adapter knows about the cluster when it checks and places it. */
export interface PlacementContext {
    gpu: GpuId;
    /** Node count the planner settled on. */
    nodes: number;
    /** The stack keys the adapter declared (`stackKeys`), as the stack sets them. */
    settings: Readonly<Record<string, string>>;
}

/** A resource as the preview recorded it. */
export interface RecordedResource {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
}

/** What the Pulumi half gets: the plan (with its placement) and the secrets. Nothing else decides resources. */
export interface ServingClusterArgs {
    /** The decided deployment, placement included (`planFromConfig`). Plain: it decides the resource shape. */
    plan: ServingPlan;
    /** Hugging Face token, kept in the cloud's secret store and read by the nodes at boot. Default: none. */
    hfToken?: pulumi.Input<string>;
}

/** The outputs every cloud's component returns (the stack outputs of `pulumi up`). */
export interface ServingClusterOutputs {
    /** `http://<address>:<port>`: SGLang's OpenAI-compatible API behind the API key. */
    endpoint: pulumi.Output<string>;
    /** The generated API key (a secret). */
    apiKey: pulumi.Output<string>;
    /** The cloud's node ids, rank 0 first. */
    nodeIds: pulumi.Output<string[]>;
    /** The plan's fixed private addresses, rank 0 first. */
    nodeAddresses: pulumi.Output<string[]>;
    /** Where each node publishes `rank-N.json` as it moves through its boot stages. */
    statusLocation: pulumi.Output<string>;
    /** On-demand list price of the cluster in USD per hour. */
    costPerHour: pulumi.Output<number | null>;
    /** Per rank and boot stage: the command that tails that stage's log on the node. */
    logCommands: pulumi.Output<Record<string, Record<string, string>>>;
}

/** Where the nodes' status records are read from, through the cloud's API (no SSH or SSM). */
export interface StatusStore {
    /** The bodies of every `rank-N.json` under a `statusLocation`. */
    read(location: string): Promise<string[]>;
    /** One object's body (`s3://bucket/key`, ...), or null when it does not exist (the mirror's completion record). */
    readObject(url: string): Promise<string | null>;
}

/** The Pulumi half: builds the cluster for a plan of its cloud. */
export type ServingClusterFactory = (name: string, args: ServingClusterArgs, opts?: pulumi.ComponentResourceOptions) => ServingClusterOutputs;

/**
 * One cloud's adapter. Its functions see only the cloud's own block of the cluster config (`Block`,
 * undefined when the stack sets none), so no code outside the cloud's folder reads that block.
 */
export interface CloudAdapter<Schema extends z.ZodType = z.ZodType, Block = z.infer<Schema>> {
    id: CloudId;
    /** Its block of the cluster config, `deepseek-sglang:cluster.<id>`; unknown keys are refused. */
    schema: Schema;
    /**
     * Stack keys outside the cluster block the cloud reads: `region` is the one that names the
     * region/location (null when the cloud has none); `others` are passed to check() and place() too.
     */
    stackKeys: { region: string | null; others: readonly string[] };
    /** The machine shape for the GPU: the block's choice when it fits, else the catalog's preferred; null when none (check() says why) or on hosts. */
    instanceType(block: Block | undefined, gpu: GpuId): InstanceType | null;
    /** Every problem with the cloud's block and required settings; empty when the cluster can be placed. */
    check(block: Block | undefined, ctx: PlacementContext): Problem[];
    /** Where the nodes run and each rank's fixed address, rank 0 first. Called only when check() found nothing. */
    place(block: Block | undefined, ctx: PlacementContext): { placement: Placement; addresses: string[] };
    /** Container env the cloud adds to the fabric's (catalog/fabrics.ts) on every node, e.g. its NIC names. */
    nodeEnv?(block: Block | undefined, placement: Placement): Record<string, string>;
    /** List price of the cluster per hour, null when unknown. */
    costPerHour(placement: Placement, nodes: number): number | null;
    /** Notes `plan` shows with the plan (the warnings channel), e.g. what staging the weights costs in transfer. */
    planNotes?(placement: Placement, ctx: { nodes: number; checkpointBytes: number; convertedBytes: number | null }): string[];
    /**
     * The CPU machine its component stages the weights on before any GPU node exists (the plan shows
     * what that costs and saves); null when the placement's settings turn the mirror off. Absent: the
     * cloud does not stage (`hosts` already own their disks).
     */
    stagingHost?(placement: Placement): StagingHost | null;
    boot: {
        /** Instance-store mounts the cloud's image already made; the boot pipeline reuses them. */
        ephemeralMounts: readonly string[];
        /** The most user data (bytes, as the API takes it) the cloud accepts (docs/sources.md, "User data limits"). */
        userDataLimitBytes: number;
    };
    /**
     * Boot hooks for a cloud previewed without a component: the names its component must create
     * (clouds/planned-hooks.ts), so `npm run plan` shows the real user data. Absent when the
     * component renders its own.
     */
    plannedHooks?(plan: ServingPlan, opts: { hfToken: boolean }): BootHooks | null;
    /** The offline preview of the component: Pulumi mocks answering its resources and invokes. */
    preview?: {
        mocks(config: Record<string, unknown>, record: (r: RecordedResource) => void): pulumi.runtime.Mocks;
        /**
         * The user data a recorded resource carries for a rank, as its input holds it (base64 and gzip
         * are undone by the preview), or null. Absent: no resource carries it (existing hosts get the
         * same files over SSH), and the preview renders it from plannedHooks.
         */
        userData?(resource: RecordedResource): { rank: number; raw: string } | null;
        /** Values the mocks make up that `pulumi up` learns from the cloud (image ids, the account), and what each stands for. */
        placeholders?: Readonly<Record<string, string>>;
        /** Stack config the offline preview stands in for when the stack file lacks it (secrets no file holds). */
        config?: Record<string, string>;
    };
    /**
     * Reads the status records in the stack's region (`npm run status`, the readiness gate), loaded on
     * first use. Absent: the cloud has no reader yet, and `pulumi up` ends without a readiness gate.
     */
    statusStore?(region: string | null): StatusStore;
    /** The Pulumi half, loaded on first use. Absent: plan-only (`pulumi up` refuses the stack). */
    component?(): ServingClusterFactory;
}
