// Operator commands: each boot stage's log through SSM Session Manager (there is no SSH).

/** `aws ssm start-session` that follows `journalctl -u <unit>` on one instance. */
export function tailStageCommand(region: string, instanceId: string, unit: string): string {
    const parameters = JSON.stringify({ command: [`sudo journalctl -u ${unit} -f --no-pager`] });
    return `aws ssm start-session --region ${region} --target ${instanceId} --document-name AWS-StartInteractiveCommand --parameters '${parameters}'`;
}

/** Per rank, per stage unit the boot pipeline runs there: the command that tails that stage's log. */
export function logCommands(region: string, instanceIds: string[], unitsOf: (rank: number) => readonly string[]): Record<string, Record<string, string>> {
    const byRank: Record<string, Record<string, string>> = {};
    instanceIds.forEach((id, rank) => {
        byRank[`rank-${rank}`] = Object.fromEntries(unitsOf(rank).map((unit) => [unit, tailStageCommand(region, id, unit)]));
    });
    return byRank;
}
