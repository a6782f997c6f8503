// One process for the test files test/support/groups.ts puts in this group.
import { runGroup } from "../support/groups";

runGroup(__filename);
