// How clients reach the API: rank 0's fixed private address, or an internal NLB in front of it.

import * as pulumi from "@pulumi/pulumi";
import * as lb from "@pulumi/aws/lb";

interface EndpointContext {
    name: string;
    parent: pulumi.Resource;
    vpcId: pulumi.Input<string>;
    subnetId: pulumi.Input<string>;
    rank0Address: string;
    port: number;
    /** The user's log bucket (aws.accessLogBucket): the NLB's access logs go there. */
    accessLogBucket?: string;
    tags: Record<string, string>;
}

export function internalLoadBalancer(ctx: EndpointContext): pulumi.Output<string> {
    const { name, parent, port, tags } = ctx;
    const opts = { parent };
    const nlb = new lb.LoadBalancer(`${name}-api`, {
        internal: true, loadBalancerType: "network", subnets: [ctx.subnetId], tags,
        ...(ctx.accessLogBucket ? { accessLogs: { bucket: ctx.accessLogBucket, prefix: `${name}-api`, enabled: true } } : {}),
    }, opts);
    // IP targets: rank 0's address is known at plan time, so the NLB does not wait on the instance.
    // Client IPs are preserved so the nodes' allow-list still decides who reaches the API. A TCP
    // health check, because SGLang's HTTP routes sit behind the API key.
    const targets = new lb.TargetGroup(`${name}-api`, {
        vpcId: ctx.vpcId, port, protocol: "TCP", targetType: "ip", preserveClientIp: "true",
        healthCheck: { protocol: "TCP", port: String(port), interval: 30, healthyThreshold: 3, unhealthyThreshold: 3 },
        tags,
    }, opts);
    new lb.TargetGroupAttachment(`${name}-api-rank-0`, { targetGroupArn: targets.arn, targetId: ctx.rank0Address, port }, opts);
    new lb.Listener(`${name}-api`, {
        loadBalancerArn: nlb.arn, port, protocol: "TCP", defaultActions: [{ type: "forward", targetGroupArn: targets.arn }], tags,
    }, opts);
    return pulumi.interpolate`http://${nlb.dnsName}:${port}`;
}
