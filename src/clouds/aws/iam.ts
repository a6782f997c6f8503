// The nodes' identities: rank 0's role reads the stack's two secrets and weights mirror, writes
// status records and caches under the stack's own prefixes, may seed a mirror the stack owns, and is
// reachable through SSM. Workers get a second role without the API key (only rank 0 serves the API)
// and without write access to the mirror (only rank 0 seeds it). Nothing else.

import * as pulumi from "@pulumi/pulumi";
import * as iam from "@pulumi/aws/iam";
import { CACHE_PREFIX, STATUS_PREFIX, type ClusterStorage } from "./storage";
import type { ClusterSecrets } from "./secrets";

/**
 * Session Manager's minimum on the instance side (AWS Systems Manager UG, "Create a custom IAM role
 * for Session Manager"; the same five actions as the managed AWSCloud9SSMInstanceProfile): register
 * the instance and open the control and data channels. No S3/KMS session logging is configured.
 */
export const SESSION_MANAGER_POLICY = {
    Version: "2012-10-17",
    Statement: [{
        Sid: "SessionManager",
        Effect: "Allow",
        Action: [
            "ssm:UpdateInstanceInformation",
            "ssmmessages:CreateControlChannel",
            "ssmmessages:CreateDataChannel",
            "ssmmessages:OpenControlChannel",
            "ssmmessages:OpenDataChannel",
        ],
        Resource: "*",
    }],
} as const;

/** Plain ARNs the policy names; resolved from the stack's resources. */
export interface NodePolicyTargets {
    secretArns: string[];
    stateBucketArn: string;
    weights: { bucketArn: string; prefix: string; writable: boolean } | null;
}

interface Statement {
    Sid: string;
    Effect: "Allow";
    Action: string[];
    Resource: string[];
    Condition?: Record<string, Record<string, string[]>>;
}

/** The inline policy of the node role. Pure, so tests can read every statement. */
export function nodePolicyDocument(t: NodePolicyTargets): { Version: string; Statement: Statement[] } {
    const statements: Statement[] = [
        ...(t.secretArns.length > 0 ? [{ Sid: "ReadStackSecrets", Effect: "Allow" as const, Action: ["secretsmanager:GetSecretValue"], Resource: t.secretArns }] : []),
        listUnder("ListStatusAndCache", t.stateBucketArn, [STATUS_PREFIX, CACHE_PREFIX]),
        {
            Sid: "WriteStatusAndCache", Effect: "Allow",
            Action: ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"],
            Resource: [`${t.stateBucketArn}/${STATUS_PREFIX}/*`, `${t.stateBucketArn}/${CACHE_PREFIX}/*`],
        },
    ];
    if (t.weights) {
        const objects = `${t.weights.bucketArn}/${t.weights.prefix}/*`;
        statements.push(listUnder("ListWeights", t.weights.bucketArn, [t.weights.prefix]));
        statements.push({ Sid: "ReadWeights", Effect: "Allow", Action: ["s3:GetObject"], Resource: [objects] });
        // Only a mirror this stack created may be seeded by the nodes; a shared bucket stays read-only.
        if (t.weights.writable) {
            statements.push({ Sid: "SeedWeights", Effect: "Allow", Action: ["s3:PutObject", "s3:AbortMultipartUpload"], Resource: [objects] });
        }
    }
    return { Version: "2012-10-17", Statement: statements };
}

function listUnder(sid: string, bucketArn: string, prefixes: string[]): Statement {
    return {
        Sid: sid, Effect: "Allow", Action: ["s3:ListBucket"], Resource: [bucketArn],
        Condition: { StringLike: { "s3:prefix": prefixes.flatMap((p) => [p, `${p}/*`]) } },
    };
}

interface IdentityContext {
    name: string;
    parent: pulumi.Resource;
    partition: string;
    storage: ClusterStorage;
    secrets: ClusterSecrets;
    tags: Record<string, string>;
}

export interface NodeIdentity {
    profile: iam.InstanceProfile;
    /** The role's policies; a node must not boot before its grants are attached. */
    grants: pulumi.Resource[];
}

/** `leader`: rank 0, which serves the API and seeds the mirror. `worker`: every other rank. */
export type NodeRole = "leader" | "worker";

export function nodeInstanceProfile(ctx: IdentityContext, nodeRole: NodeRole): NodeIdentity {
    const { parent, storage, secrets } = ctx;
    const name = nodeRole === "leader" ? `${ctx.name}-node` : `${ctx.name}-worker`;
    const opts = { parent };
    const role = new iam.Role(name, {
        description: `${nodeRole === "leader" ? "Rank 0" : "Worker nodes"} of the DeepSeek SGLang cluster ${ctx.name}`,
        assumeRolePolicy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
        }),
        tags: ctx.tags,
    }, opts);
    // Session Manager replaces SSH. Only what the SSM agent needs to register and open sessions,
    // not AmazonSSMManagedInstanceCore (which also reads every SSM parameter of the account).
    const ssmCore = new iam.RolePolicy(`${name}-ssm`, { role: role.id, policy: JSON.stringify(SESSION_MANAGER_POLICY) }, opts);
    const secretArns = [...(nodeRole === "leader" ? [secrets.apiKeyArn] : []), ...(secrets.hfTokenArn ? [secrets.hfTokenArn] : [])];
    const policy = pulumi
        .all([pulumi.all(secretArns), storage.stateBucketArn, storage.weights?.bucketArn ?? pulumi.output(null)])
        .apply(([arns, stateArn, weightsArn]) => JSON.stringify(nodePolicyDocument({
            secretArns: arns,
            stateBucketArn: stateArn,
            weights: storage.weights && weightsArn ? { bucketArn: weightsArn, prefix: storage.weights.prefix, writable: storage.weights.writable && nodeRole === "leader" } : null,
        })));
    const access = new iam.RolePolicy(`${name}-access`, { role: role.id, policy }, opts);
    const profile = new iam.InstanceProfile(name, { role: role.name, tags: ctx.tags }, opts);
    return { profile, grants: [ssmCore, access] };
}
