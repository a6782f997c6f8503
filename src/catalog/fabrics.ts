// Environment each fabric needs inside the server container. Interface names that only the node
// knows (NCCL_SOCKET_IFNAME / GLOO_SOCKET_IFNAME for the address's NIC) are filled in at boot.

import type { FabricId } from "./clouds";

export interface FabricFacts {
    /** Container env for a multi-node cluster (one node talks over NVLink and needs none of it). */
    env: Record<string, string>;
    /** Host paths the container must see for the fabric's NCCL plugin (host -> container), multi-node only. */
    mounts: Record<string, string>;
    /** The boot pipeline sets NCCL_SOCKET_IFNAME/GLOO_SOCKET_IFNAME to the NIC that carries the node's address. */
    detectSocketInterface: boolean;
    /**
     * What NCCL must report on this fabric (its `NCCL INFO Using network <name>` line, and for the OFI
     * plugin the libfabric provider of `NET/OFI Selected provider is <p>`). Readiness refuses to report
     * `serving` over anything else; null: whatever NCCL picks is only recorded.
     */
    nccl: { network: string; provider: string | null } | null;
    /**
     * Where the host's NCCL net plugin may live, in order (same path inside the container). The boot
     * pipeline points NCCL_NET_PLUGIN at the first that exists and refuses to start without one.
     */
    netPlugin: string[];
}

export const FABRICS: Record<FabricId, FabricFacts> = {
    // The SGLang images carry no libfabric or aws-ofi-nccl, so the container gets the DLAMI's own: the EFA
    // installer's libfabric under /opt/amazon/efa and the OFI NCCL plugin under /opt/amazon/ofi-nccl
    // (lib/ or lib/x86_64-linux-gnu/ by release), which match the host's EFA driver (DLAMI release notes:
    // efa_version / ofi_nccl_version; docs/sources.md "EFA inside the container"). FI_PROVIDER=efa keeps
    // libfabric off its TCP/shm providers; FI_EFA_USE_HUGE_PAGE=0 only avoids fork ENOMEM (cloud-facts §1.3).
    efa: {
        env: {
            FI_PROVIDER: "efa",
            FI_EFA_USE_HUGE_PAGE: "0",
            LD_LIBRARY_PATH: "/opt/amazon/ofi-nccl/lib/x86_64-linux-gnu:/opt/amazon/ofi-nccl/lib:/opt/amazon/efa/lib:/usr/local/nvidia/lib:/usr/local/nvidia/lib64",
        },
        mounts: { "/opt/amazon/efa": "/opt/amazon/efa", "/opt/amazon/ofi-nccl": "/opt/amazon/ofi-nccl" },
        detectSocketInterface: true,
        // aws-ofi-nccl registers as "AWS Libfabric" and logs the provider it selected.
        nccl: { network: "AWS Libfabric", provider: "efa" },
        netPlugin: [
            "/opt/amazon/ofi-nccl/lib/x86_64-linux-gnu/libnccl-net-ofi.so",
            "/opt/amazon/ofi-nccl/lib/libnccl-net-ofi.so",
            "/opt/amazon/ofi-nccl/lib/x86_64-linux-gnu/libnccl-net.so",
            "/opt/amazon/ofi-nccl/lib/libnccl-net.so",
        ],
    },
    // Azure ND: IB links come up inside one scale set; NCCL finds the HCAs itself (cloud-facts §3.3).
    infiniband: { env: {}, mounts: {}, detectSocketInterface: true, nccl: { network: "IB", provider: null }, netPlugin: [] },
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
        nccl: { network: "gIB", provider: null },
        netPlugin: [],
    },
    // GCP A3 Mega: GPUDirect-TCPXO plugin from /var/lib/tcpxo plus the RxDM daemon (cloud-facts §2.3 [S25]).
    "gpudirect-tcpxo": {
        env: {
            NCCL_FASTRAK_LLCM_DEVICE_DIRECTORY: "/dev/aperture_devices",
            LD_LIBRARY_PATH: "/var/lib/tcpxo/lib64",
        },
        mounts: { "/var/lib/tcpxo": "/var/lib/tcpxo", "/dev/aperture_devices": "/dev/aperture_devices" },
        detectSocketInterface: true,
        nccl: { network: "FasTrak", provider: null },
        netPlugin: [],
    },
    tcp: { env: {}, mounts: {}, detectSocketInterface: true, nccl: { network: "Socket", provider: null }, netPlugin: [] },
    // Existing hosts: NCCL picks, and the status record says what it picked.
    auto: { env: {}, mounts: {}, detectSocketInterface: true, nccl: null, netPlugin: [] },
};

/** RoCE GID index SGLang's README suggests when multi-node startup hangs (sglang-facts §7.2 item 1). */
export const ROCE_GID_INDEX = 3;

/**
 * NCCL's own log, which the readiness check reads: INIT and NET lines only, one file per process
 * (NCCL expands %h and %p), in a directory the boot pipeline mounts at NCCL_LOG_CONTAINER_DIR.
 */
export const NCCL_LOG_CONTAINER_DIR = "/dsboot/nccl";
export const NCCL_LOG_ENV: Record<string, string> = {
    NCCL_DEBUG: "INFO",
    NCCL_DEBUG_SUBSYS: "INIT,NET",
    NCCL_DEBUG_FILE: `${NCCL_LOG_CONTAINER_DIR}/nccl.%h.%p.log`,
};
