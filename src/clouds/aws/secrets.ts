// Secrets Manager entries the nodes read at boot: the Hugging Face token (when given) and the
// serving API key, generated here. Values only ever travel as Pulumi secrets; user data holds ARNs.

import * as pulumi from "@pulumi/pulumi";
import * as secretsmanager from "@pulumi/aws/secretsmanager";
import * as random from "@pulumi/random";

export interface ClusterSecrets {
    hfTokenArn: pulumi.Output<string> | null;
    apiKeyArn: pulumi.Output<string>;
    /** The generated API key, a Pulumi secret. */
    apiKey: pulumi.Output<string>;
    /** The secret values; a node must not boot before they exist. */
    versions: pulumi.Resource[];
}

interface SecretsContext {
    name: string;
    parent: pulumi.Resource;
    hfToken: pulumi.Input<string> | undefined;
    tags: Record<string, string>;
}

/** API key length: 48 alphanumerics (~285 bits), safe in a header and a shell word. */
export const API_KEY_LENGTH = 48;

export function clusterSecrets(ctx: SecretsContext): ClusterSecrets {
    const { name, parent } = ctx;
    const password = new random.RandomPassword(`${name}-api-key`, { length: API_KEY_LENGTH, special: false }, { parent });
    const apiKey = pulumi.secret(password.result);
    const versions: pulumi.Resource[] = [];
    const apiKeyArn = storedSecret(ctx, `${name}-api-key`, "SGLang API key (--api-key) of the serving cluster", apiKey, versions);
    const hfTokenArn = ctx.hfToken === undefined
        ? null
        : storedSecret(ctx, `${name}-hf-token`, "Hugging Face token for the weights download", pulumi.secret(ctx.hfToken), versions);
    return { hfTokenArn, apiKeyArn, apiKey, versions };
}

function storedSecret(ctx: SecretsContext, name: string, description: string, value: pulumi.Output<string>, versions: pulumi.Resource[]): pulumi.Output<string> {
    const opts = { parent: ctx.parent };
    // A short recovery window: a re-created stack gets new autonamed secrets, so nothing waits on it.
    const secret = new secretsmanager.Secret(name, { description, recoveryWindowInDays: 7, tags: { ...ctx.tags, Name: name } }, opts);
    versions.push(new secretsmanager.SecretVersion(`${name}-value`, { secretId: secret.id, secretString: value }, opts));
    return secret.arn;
}
