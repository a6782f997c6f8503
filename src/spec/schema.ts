// The user's intent: the `deepseek-sglang:cluster` stack config key, checked strictly with zod so a typo
// is an error that names the key instead of a silent default.

import { z } from "zod";
import { CLOUD_IDS, GPU_IDS, WEIGHTS_IDS, type CloudId } from "../catalog/index";
import { CLOUD_ADAPTERS } from "../clouds/registry";
import { positiveInt } from "./fields";
import { revisionProblem } from "./values";

export { CONFIG_NAMESPACE, CLUSTER_KEY, HF_TOKEN_KEY, SSH_KEY_KEY } from "./keys";

export const mtpSchema = z.strictObject({
    steps: positiveInt,
    topk: positiveInt,
    draftTokens: positiveInt,
});

export const sglangSchema = z.strictObject({
    /** A release the library knows (catalog/releases.ts). Default: the current one. */
    version: z.string().optional(),
    attentionBackend: z.string().optional(),
    /** DP size for `--enable-dp-attention`. */
    dpAttention: z.number().int().optional(),
    mtp: mtpSchema.optional(),
    toolCalling: z.boolean().optional(),
    reasoningParser: z.string().optional(),
    customLogitProcessor: z.boolean().optional(),
    /** `false` turns off the torch.compile a row's recipe turns on. */
    torchCompile: z.union([z.strictObject({ maxBs: positiveInt }), z.literal(false)]).optional(),
    memFractionStatic: z.number().gt(0).lt(1).optional(),
    /** Force DeepGEMM on (`true`) or off (`false`); default: on for FP8 on Hopper. */
    deepGemm: z.boolean().optional(),
    /** Require the chunked prefix cache; refused where the attention backend lacks it. */
    chunkedPrefixCache: z.boolean().optional(),
    extraArgs: z.array(z.string()).optional(),
});

export const clusterSchema = z.strictObject({
    cloud: z.enum(CLOUD_IDS as [string, ...string[]]),
    gpu: z.enum(GPU_IDS as [string, ...string[]]),
    weights: z.enum(WEIGHTS_IDS as [string, ...string[]]),
    /** Default: the row's node count. */
    nodes: positiveInt.optional(),
    /** Hugging Face repo id; default: the row's recipe checkpoint. */
    model: z.string().optional(),
    /** Git revision of the model repo; pins the weights and keys the DeepGEMM cache. Default `main`. */
    revision: z.string().superRefine((r, ctx) => {
        const reason = revisionProblem(r);
        if (reason) ctx.addIssue({ code: "custom", message: reason });
    }).optional(),
    sglang: sglangSchema.optional(),
    // Each cloud's own block (`aws:`, `gcp:` ...), defined by its adapter (src/clouds/<cloud>/).
    ...cloudBlocks(),
});

type CloudBlocks = { [K in CloudId]: z.ZodOptional<(typeof CLOUD_ADAPTERS)[K]["schema"]> };

function cloudBlocks(): CloudBlocks {
    return Object.fromEntries(CLOUD_IDS.map((id) => [id, CLOUD_ADAPTERS[id].schema.optional()])) as CloudBlocks;
}

export type ClusterConfig = z.infer<typeof clusterSchema>;
export type MtpConfig = z.infer<typeof mtpSchema>;
export type SglangConfig = z.infer<typeof sglangSchema>;
