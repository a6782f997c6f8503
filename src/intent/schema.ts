// The user's intent: the `deepseek-sglang:cluster` stack config key, checked strictly with zod so a typo
// is an error that names the key instead of a silent default.

import { z } from "zod";
import { CLOUD_IDS, GPU_IDS, WEIGHTS_IDS, type CloudId } from "../catalog/index";
import { CLOUD_ADAPTERS } from "../clouds/registry";
import { positiveInt } from "./fields";
import { revisionProblem } from "./values";

export { CONFIG_NAMESPACE, CLUSTER_KEY, HF_TOKEN_KEY, SSH_KEY_KEY } from "./keys";

export const mtpSchema = z.strictObject({
    steps: positiveInt.describe("`--speculative-num-steps`: draft steps per decoding step."),
    topk: positiveInt.describe("`--speculative-eagle-topk`: branches kept per draft step."),
    draftTokens: positiveInt.describe("`--speculative-num-draft-tokens`: tokens verified per step."),
});

export const sglangSchema = z.strictObject({
    version: z.string().optional().describe("A release the library knows (catalog/releases.ts). Default: the current one."),
    attentionBackend: z.string().optional().describe("`--attention-backend`; default: the release's own choice for the GPU."),
    dpAttention: z.number().int().optional().describe("DP size for `--enable-dp-attention`."),
    mtp: mtpSchema.optional().describe("Multi-token prediction (EAGLE speculative decoding) as the seed's recipes use it. Default: off."),
    toolCalling: z.boolean().optional().describe("Parse DeepSeek tool calls (`--tool-call-parser`). Default: off."),
    reasoningParser: z.string().optional().describe("`--reasoning-parser`, e.g. `deepseek-r1` for R1 models. Default: none."),
    customLogitProcessor: z.boolean().optional().describe("`--enable-custom-logit-processor` (the seed's thinking-budget processor). Default: off."),
    torchCompile: z.union([z.strictObject({ maxBs: positiveInt.describe("`--torch-compile-max-bs`.") }), z.literal(false)]).optional().describe("`false` turns off the torch.compile a row's recipe turns on."),
    memFractionStatic: z.number().gt(0).lt(1).optional().describe("`--mem-fraction-static`; must leave room for the weights and a KV cache on the GPU. Default: SGLang's."),
    deepGemm: z.boolean().optional().describe("Force DeepGEMM on (`true`) or off (`false`); default: on for FP8 on Hopper."),
    chunkedPrefixCache: z.boolean().optional().describe("Require the chunked prefix cache; refused where the attention backend lacks it."),
    extraArgs: z.array(z.string()).optional().describe("Further SGLang flags, checked against the release's own flag set and rules; flags the library manages and flags that carry secrets are refused."),
});

export const clusterSchema = z.strictObject({
    cloud: z.enum(CLOUD_IDS).describe("Where the nodes run; its block (`aws`, `gcp`, `azure`, `hosts`) holds that cloud's settings."),
    gpu: z.enum(GPU_IDS).describe("GPU model of every node."),
    weights: z.enum(WEIGHTS_IDS).describe("Served weights format; with `gpu` it picks the row of SGLang's requirements table."),
    nodes: positiveInt.optional().describe("Default: the row's node count."),
    model: z.string().optional().describe("Hugging Face repo id; default: the row's recipe checkpoint."),
    revision: z.string().superRefine((r, ctx) => {
        const reason = revisionProblem(r);
        if (reason) ctx.addIssue({ code: "custom", message: reason });
    }).optional().describe("Git revision of the model repo; pins the weights and keys the DeepGEMM cache. Default `main`."),
    sglang: sglangSchema.optional().describe("SGLang settings; every field optional. Default: the row's recipe."),
    // Each cloud's own block (`aws:`, `gcp:` ...), defined by its adapter (src/clouds/<cloud>/).
    ...cloudBlocks(),
});

type CloudBlocks = { [K in CloudId]: z.ZodOptional<(typeof CLOUD_ADAPTERS)[K]["schema"]> };

function cloudBlocks(): CloudBlocks {
    return Object.fromEntries(CLOUD_IDS.map((id) => [id, CLOUD_ADAPTERS[id].schema.optional().describe(`Settings for \`cloud: ${id}\`; set only with that cloud.`)])) as CloudBlocks;
}

export type ClusterConfig = z.infer<typeof clusterSchema>;
export type MtpConfig = z.infer<typeof mtpSchema>;
export type SglangConfig = z.infer<typeof sglangSchema>;
