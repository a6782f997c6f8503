import type { Problem } from "./types";

/** One line per problem, `<config path>: <reason>`, the form the plan command and `pulumi up` print. */
export function formatProblems(problems: Problem[]): string {
    return problems.map((p) => `${p.path}: ${p.reason}`).join("\n");
}
