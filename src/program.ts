// The Pulumi program behind `pulumi up -s <stack>`: config -> spec -> plan -> cloud component -> outputs.
// The offline `plan` command runs this same function under Pulumi's mock runtime.

import * as pulumi from "@pulumi/pulumi";
import { fromRuntimeConfig } from "./config";
import { deployPlan } from "./clouds/index";
import { formatProblems, planFromConfig } from "./plan/index";
import { HF_TOKEN_KEY } from "./intent/schema";

/** Pulumi 3.248.0 has this in its runtime JS but not in its typings. */
function isConfigSecret(key: string): boolean {
    const fn = (pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean }).isConfigSecret;
    if (!fn) throw new pulumi.RunError("this @pulumi/pulumi cannot tell secret config from plain config; use 3.248.0");
    return fn(key);
}

export default async function main(): Promise<Record<string, unknown>> {
    const config = fromRuntimeConfig(pulumi.runtime.allConfig(), isConfigSecret, pulumi.getStack());
    const result = planFromConfig(config.values, { stack: config.stack, secretKeys: config.secretKeys });
    if (!result.ok) {
        // RunError prints the message without a stack trace and before anything is created.
        throw new pulumi.RunError(`the stack configuration is invalid; nothing was created:\n${formatProblems(result.problems)}`);
    }
    const token = config.values[HF_TOKEN_KEY];
    const hfToken = typeof token === "string" ? pulumi.secret(token) : undefined;
    return deployPlan(result.plan, hfToken);
}
