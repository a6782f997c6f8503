import { issuePath } from "../spec/parse";
import { CLUSTER_KEY } from "../spec/schema";

/** Config path of a field under `deepseek-sglang:cluster`: `at("sglang", "mtp", "topk")`. */
export function at(...keys: (string | number)[]): string {
    return issuePath(CLUSTER_KEY, keys);
}
