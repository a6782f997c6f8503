// AWS partition of a region, for ARNs of AWS-managed policies and existing buckets (aws, aws-cn,
// aws-us-gov); a pure value where an invoke (getPartition) would only add a round trip.

export function awsPartition(region: string): string {
    if (region.startsWith("cn-")) return "aws-cn";
    if (region.startsWith("us-gov-")) return "aws-us-gov";
    return "aws";
}
