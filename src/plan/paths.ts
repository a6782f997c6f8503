import { CLUSTER_KEY, issuePath } from "../intent/keys";

/** Config path of a field under `deepseek-sglang:cluster`: `at("sglang", "mtp", "topk")`. */
export function at(...keys: (string | number)[]): string {
    return issuePath(CLUSTER_KEY, keys);
}
