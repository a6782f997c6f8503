// The nodes' security group: all traffic among members (EFA needs it), the API port from the VPC and
// the allow-listed CIDRs, HTTPS out for downloads. No SSH: operators use SSM Session Manager.

import * as pulumi from "@pulumi/pulumi";
import * as ec2 from "@pulumi/aws/ec2";
import * as vpc from "@pulumi/aws/vpc";

interface SecurityContext {
    name: string;
    parent: pulumi.Resource;
    vpcId: pulumi.Input<string>;
    /** The VPC's CIDR; plain when known at plan time, so a duplicate in allowedCidrs can be dropped. */
    vpcCidr: pulumi.Input<string>;
    apiPort: number;
    allowedCidrs: string[];
    tags: Record<string, string>;
}

export function clusterSecurityGroup(ctx: SecurityContext): ec2.SecurityGroup {
    const { name, parent, tags } = ctx;
    const opts = { parent };
    // Created without inline rules: the provider then removes AWS's default allow-all egress, so the
    // rules below are the whole policy.
    const sg = new ec2.SecurityGroup(`${name}-nodes`, {
        vpcId: ctx.vpcId, description: `DeepSeek SGLang cluster ${name}: EFA among members, API port from allow-list`,
        tags: { ...tags, Name: `${name}-nodes` },
    }, opts);

    // "An EFA requires a security group that allows all inbound and outbound traffic to and from the
    // security group itself" (cloud-facts §1.3 [S6]); NCCL bootstrap and SGLang dist-init ride on it too.
    new vpc.SecurityGroupIngressRule(`${name}-from-self`, {
        securityGroupId: sg.id, ipProtocol: "-1", referencedSecurityGroupId: sg.id, description: "all traffic among cluster members (EFA)",
    }, opts);
    new vpc.SecurityGroupEgressRule(`${name}-to-self`, {
        securityGroupId: sg.id, ipProtocol: "-1", referencedSecurityGroupId: sg.id, description: "all traffic among cluster members (EFA)",
    }, opts);

    // The VPC range carries NLB health checks and in-VPC clients.
    new vpc.SecurityGroupIngressRule(`${name}-api-from-vpc`, apiRule(sg, ctx.apiPort, ctx.vpcCidr, "API port from the VPC"), opts);
    for (const cidr of extraApiCidrs(ctx.allowedCidrs, ctx.vpcCidr)) {
        new vpc.SecurityGroupIngressRule(`${name}-api-from-${cidrSlug(cidr)}`, apiRule(sg, ctx.apiPort, cidr, "API port from an allow-listed CIDR"), opts);
    }

    // Hugging Face, the container registry, S3, Secrets Manager and SSM are all HTTPS; DNS, NTP and
    // IMDS go to link-local services that security groups do not filter.
    new vpc.SecurityGroupEgressRule(`${name}-https-out`, {
        securityGroupId: sg.id, ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0", description: "HTTPS downloads, S3, SSM, Secrets Manager",
    }, opts);
    return sg;
}

function apiRule(sg: ec2.SecurityGroup, port: number, cidr: pulumi.Input<string>, description: string): vpc.SecurityGroupIngressRuleArgs {
    return { securityGroupId: sg.id, ipProtocol: "tcp", fromPort: port, toPort: port, cidrIpv4: cidr, description };
}

/** Allow-listed CIDRs without duplicates and without the VPC CIDR (AWS refuses a duplicate rule). */
export function extraApiCidrs(allowed: string[], vpcCidr: pulumi.Input<string>): string[] {
    const unique = [...new Set(allowed)];
    return typeof vpcCidr === "string" ? unique.filter((c) => c !== vpcCidr) : unique;
}

/** A CIDR as a resource-name fragment: 10.0.0.0/8 -> 10-0-0-0-8, stable when the list is reordered. */
export function cidrSlug(cidr: string): string {
    return cidr.replace(/[./]/g, "-");
}
