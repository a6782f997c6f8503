// Environment each fabric needs inside the server container. Interface names that only the node
// knows (NCCL_SOCKET_IFNAME / GLOO_SOCKET_IFNAME for the address's NIC) are filled in at boot.

import type { FabricId } from "./clouds";

export interface FabricFacts {
    env: Record<string, string>;
    /** Host paths the container must see for the fabric's NCCL plugin (host -> container). */
    mounts: Record<string, string>;
    /** The boot pipeline sets NCCL_SOCKET_IFNAME/GLOO_SOCKET_IFNAME to the NIC that carries the node's address. */
    detectSocketInterface: boolean;
}

export const FABRICS: Record<FabricId, FabricFacts> = {
    // DLAMI ships EFA 1.45 / aws-ofi-nccl 1.17: no legacy FI_* vars; FI_EFA_USE_HUGE_PAGE=0 only avoids
    // fork ENOMEM (cloud-facts §1.3, awsome-distributed-training cheatsheet).
    efa: { env: { FI_EFA_USE_HUGE_PAGE: "0" }, mounts: {}, detectSocketInterface: true },
    // Azure ND: IB links come up inside one scale set; NCCL finds the HCAs itself (cloud-facts §3.3).
    infiniband: { env: {}, mounts: {}, detectSocketInterface: true },
    // GCP A3 Ultra: gIB NCCL plugin from /var/lib/gib (cloud-facts §2.3 [S24]).
    roce: {
        env: {
            NCCL_NET: "gIB",
            NCCL_TUNER_CONFIG_PATH: "/var/lib/gib/configs/tuner_config.txtpb",
            NCCL_SHIMNET_GUEST_CONFIG_CHECKER_CONFIG_FILE: "/var/lib/gib/configs/guest_config.txtpb",
            LD_LIBRARY_PATH: "/var/lib/gib/lib64:/usr/local/nvidia/lib64",
        },
        mounts: { "/var/lib/gib": "/var/lib/gib" },
        detectSocketInterface: true,
    },
    // GCP A3 Mega: GPUDirect-TCPXO plugin from /var/lib/tcpxo plus the RxDM daemon (cloud-facts §2.3 [S25]).
    "gpudirect-tcpxo": {
        env: {
            NCCL_FASTRAK_LLCM_DEVICE_DIRECTORY: "/dev/aperture_devices",
            LD_LIBRARY_PATH: "/var/lib/tcpxo/lib64",
        },
        mounts: { "/var/lib/tcpxo": "/var/lib/tcpxo", "/dev/aperture_devices": "/dev/aperture_devices" },
        detectSocketInterface: true,
    },
    tcp: { env: {}, mounts: {}, detectSocketInterface: true },
    auto: { env: {}, mounts: {}, detectSocketInterface: true },
};

/** RoCE GID index SGLang's README suggests when multi-node startup hangs (sglang-facts §7.2 item 1). */
export const ROCE_GID_INDEX = 3;
