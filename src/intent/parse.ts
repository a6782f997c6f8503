// Stack config map (the `config:` block of stacks/Pulumi.<stack>.yaml, or pulumi.Config under
// `pulumi up`) -> DeploymentSpec, or every problem at once with its config path.

import type { z } from "zod";
import type { CloudId } from "../catalog/index";
import { cloudAdapter } from "../clouds/registry";
import type { Problem } from "../plan/types";
import { CLUSTER_KEY, HF_TOKEN_KEY, SSH_KEY_KEY, issuePath } from "./keys";
import { clusterSchema, type ClusterConfig } from "./schema";
import { checkStrings } from "./values";

export { issuePath } from "./keys";

export interface DeploymentSpec {
    stack: string | null;
    cluster: ClusterConfig;
    /** `aws:region`, `gcp:region` or `azure-native:location`, whichever the chosen cloud reads. */
    region: string | null;
    /** The stack keys outside the cluster block the chosen cloud reads (its adapter's `stackKeys`), when set. */
    settings: Record<string, string>;
    /** Whether `deepseek-sglang:hfToken` is set (always as a secret; its value never enters the plan). */
    hfToken: boolean;
}

/** How a config value looked: a plain value, or Pulumi's `{ secure: ... }` ciphertext wrapper. */
export function isSecureValue(value: unknown): boolean {
    return typeof value === "object" && value !== null && Object.keys(value).length === 1 && typeof (value as { secure?: unknown }).secure === "string";
}

/** Keys that moved out of the cluster block: where their setting lives now. */
const MOVED_KEYS: Record<string, string> = {
    "azure.location": "the Azure location is the stack key azure-native:location (the one the azure-native provider reads); set it there",
};

function zodProblems(base: string, error: z.ZodError): Problem[] {
    return error.issues.flatMap((issue) => {
        if (issue.code === "unrecognized_keys") {
            return issue.keys.map((key) => {
                const moved = MOVED_KEYS[[...issue.path, key].join(".")];
                return { path: issuePath(base, [...issue.path, key]), reason: moved ?? "unknown key (check the spelling; unknown keys are refused so typos cannot pass silently)" };
            });
        }
        return [{ path: issuePath(base, issue.path), reason: issue.message }];
    });
}

function withoutUnknownKeys(raw: unknown, error: z.ZodError): unknown {
    const copy = structuredClone(raw) as Record<string, unknown>;
    for (const issue of error.issues) {
        if (issue.code !== "unrecognized_keys") continue;
        const parent = issue.path.reduce<unknown>((obj, key) => (obj as Record<PropertyKey, unknown>)?.[key as PropertyKey], copy) as Record<string, unknown> | undefined;
        for (const key of issue.keys) if (parent) delete parent[key];
    }
    return copy;
}

/**
 * `secretKeys`: keys Pulumi holds as secrets. From a stack file they are the `secure:` values;
 * under `pulumi up` the program passes the keys `pulumi.runtime.isConfigSecret` reports.
 */
export function parseDeploymentConfig(
    config: Record<string, unknown>,
    opts: { stack: string | null; secretKeys?: ReadonlySet<string> },
): { ok: true; spec: DeploymentSpec } | { ok: false; problems: Problem[]; spec?: DeploymentSpec } {
    const problems: Problem[] = [];
    const raw = config[CLUSTER_KEY];
    if (raw === undefined) {
        return { ok: false, problems: [{ path: CLUSTER_KEY, reason: "missing: every stack sets cloud, gpu and weights here" }] };
    }
    // Control characters and the reserved placeholder, anywhere in the block: one problem per value.
    const stringProblems = checkStrings(CLUSTER_KEY, raw);
    problems.push(...stringProblems);
    const badPaths = new Set(stringProblems.map((p) => p.path));
    let parsed = clusterSchema.safeParse(raw);
    if (!parsed.success) {
        problems.push(...zodProblems(CLUSTER_KEY, parsed.error).filter((p) => !badPaths.has(p.path)));
        // Typos alone should not hide the planner's findings: drop the unknown keys and parse again.
        if (parsed.error.issues.every((i) => i.code === "unrecognized_keys")) parsed = clusterSchema.safeParse(withoutUnknownKeys(raw, parsed.error));
    }

    for (const key of Object.keys(config)) {
        if (key.startsWith("deepseek-sglang:") && key !== CLUSTER_KEY && key !== HF_TOKEN_KEY && key !== SSH_KEY_KEY) {
            problems.push({ path: key, reason: `unknown key; the project reads only ${CLUSTER_KEY}, ${HF_TOKEN_KEY} and ${SSH_KEY_KEY}` });
        }
    }
    const token = config[HF_TOKEN_KEY];
    const tokenIsSecret = isSecureValue(token) || (opts.secretKeys?.has(HF_TOKEN_KEY) ?? false);
    if (token !== undefined && !tokenIsSecret) {
        problems.push({ path: HF_TOKEN_KEY, reason: "must be a Pulumi secret: run `pulumi config set --secret hfToken <token>`; a plain value would sit unencrypted in the stack file and state" });
    }
    const sshKey = config[SSH_KEY_KEY];
    if (sshKey !== undefined && !(isSecureValue(sshKey) || (opts.secretKeys?.has(SSH_KEY_KEY) ?? false))) {
        problems.push({ path: SSH_KEY_KEY, reason: "must be a Pulumi secret: run `pulumi config set --secret sshPrivateKey < ~/.ssh/id_ed25519`; a plain value would sit unencrypted in the stack file and state" });
    }
    if (!parsed.success) return { ok: false, problems };
    // A value with a control character or the placeholder must not reach the planner: its problem is said.
    if (stringProblems.length > 0) return { ok: false, problems };

    const cluster = parsed.data;
    const { stackKeys } = cloudAdapter(cluster.cloud as CloudId);
    const settings: Record<string, string> = {};
    for (const key of [stackKeys.region, ...stackKeys.others]) {
        if (key !== null && typeof config[key] === "string") settings[key] = config[key] as string;
    }
    const region = stackKeys.region !== null ? settings[stackKeys.region] ?? null : null;
    const spec: DeploymentSpec = { stack: opts.stack, cluster, region, settings, hfToken: token !== undefined };
    // A well-formed cluster is still returned with the other keys' problems, so the planner can add its own.
    return problems.length > 0 ? { ok: false, problems, spec } : { ok: true, spec };
}
