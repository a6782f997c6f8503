// GCE facts per GPU machine type the library places nodes on: NIC layout, zones, quota, image,
// capacity modes, and the NCCL environment of its fabric. Sources: docs/sources.md, "GCP"
// (cloud-facts §2.1-§2.5 and the public pages it cites).

import type { StagingHost } from "../../weights/staging";

export type GcpNicKind = "GVNIC" | "MRDMA";

/** One kind of extra VPC a machine type needs beyond the cluster's own (the first gVNIC). */
export interface GcpFabricNetworks {
    /** Resource-name stem: `<cluster>-<stem>-<i>`. */
    stem: string;
    /** How many VPCs: one per NIC, or one VPC holding `subnets` subnets (the RoCE VPC). */
    vpcs: number;
    subnets: number;
    nicType: GcpNicKind;
    mtu: number;
    /** The VPC is created with the zone's RoCE network profile (`<zone>-vpc-roce`). */
    roceProfile: boolean;
}

export interface GcpMachine {
    name: string;
    /** Zones that offer it (SkyPilot catalog v8, cloud-facts §2.2 [S20]); checked again at deploy time. */
    zones: readonly string[];
    /** Extra VPCs beyond the cluster network (whose NIC is the first gVNIC). */
    fabric: GcpFabricNetworks[];
    /** MTU of the cluster network. */
    mtu: number;
    /** Compute Engine GPU family of the quota `GPUS-PER-GPU-FAMILY-per-project-region` (cloud-facts §2.5 [S29]). */
    quotaFamily: string;
    bootDiskType: "hyperdisk-balanced" | "pd-ssd";
    /** DWS flex-start and calendar-mode reservations accept the type (cloud-facts §2.5 [S28]). */
    flexStart: boolean;
    calendar: boolean;
    /** NCCL/plugin settings beyond catalog/fabrics.ts that depend on this type's NIC names. */
    ncclEnv: Readonly<Record<string, string>>;
}

//  The 10 NICs of A3 Ultra are 2 gVNIC + 8 MRDMA on one RoCE VPC with 8 subnets (cluster-toolkit
//  a3ultra blueprint [S22][S23]); A3 Mega is 1 system NIC + 8 GPU NICs on 8 VPCs ([S25]); A2 has one NIC.
export const GCP_MACHINES: Record<string, GcpMachine> = {
    "a3-ultragpu-8g": {
        name: "a3-ultragpu-8g",
        zones: ["us-central1-b", "us-east4-b", "us-east5-a", "us-south1-b", "us-west1-c", "europe-west1-b", "europe-west4-a", "asia-south1-b", "asia-south2-c"],
        fabric: [
            { stem: "gvnic", vpcs: 1, subnets: 1, nicType: "GVNIC", mtu: 8896, roceProfile: false },
            { stem: "rdma", vpcs: 1, subnets: 8, nicType: "MRDMA", mtu: 8896, roceProfile: true },
        ],
        mtu: 8896,
        quotaFamily: "NVIDIA_H200",
        bootDiskType: "hyperdisk-balanced",
        flexStart: true,
        calendar: true,
        // gIB: the two gVNICs carry NCCL's bootstrap sockets (run-nccl-tests.sh [S24]).
        ncclEnv: { NCCL_SOCKET_IFNAME: "enp0s19,enp192s20" },
    },
    "a3-megagpu-8g": {
        name: "a3-megagpu-8g",
        zones: ["us-central1-a", "us-central1-b", "us-central1-c", "us-east4-a", "us-east4-b", "us-east4-c", "us-east5-a", "us-west1-a", "us-west1-b", "us-west4-a", "europe-west1-b", "europe-west1-c", "europe-west3-c", "europe-west4-b", "europe-west4-c", "europe-north1-c", "asia-east1-c", "asia-northeast1-b", "asia-southeast1-b", "asia-southeast1-c", "australia-southeast1-c"],
        fabric: [{ stem: "gpu", vpcs: 8, subnets: 1, nicType: "GVNIC", mtu: 8244, roceProfile: false }],
        mtu: 8244,
        quotaFamily: "NVIDIA_H100_MEGA",
        bootDiskType: "hyperdisk-balanced",
        flexStart: true,
        calendar: true,
        // TCPXO: system NIC for control, the 8 GPU NICs for data (run-nccl-tests.sh [S25]; release 2025-11-19 [S26]).
        ncclEnv: {
            NCCL_FASTRAK_CTRL_DEV: "enp0s12",
            NCCL_FASTRAK_IFNAME: "enp6s0,enp7s0,enp13s0,enp14s0,enp134s0,enp135s0,enp141s0,enp142s0",
            NCCL_SOCKET_IFNAME: "enp0s12",
            NCCL_CROSS_NIC: "0",
            NCCL_PROTO: "Simple,LL128",
            NCCL_MIN_NCHANNELS: "4",
        },
    },
    "a2-ultragpu-8g": {
        name: "a2-ultragpu-8g",
        zones: ["us-central1-a", "us-central1-c", "us-east4-c", "us-east5-a", "us-east5-b", "europe-west4-a", "asia-southeast1-c"],
        fabric: [],
        mtu: 8896,
        quotaFamily: "NVIDIA_A100_80GB",
        bootDiskType: "pd-ssd",
        flexStart: true,
        calendar: false,
        ncclEnv: {},
    },
};

/**
 * Default boot image: a Deep Learning VM family (project deeplearning-platform-release, cloud-facts
 * §2.4) with `install-nvidia-driver=True`. Docker and the NVIDIA container toolkit on it, and the RDMA
 * userspace A3 Ultra needs, are not verified here: set `gcp.image` (e.g. Google's Ubuntu accelerator
 * family its A3 Ultra blueprint uses) when your image differs.
 */
export const DEFAULT_GCP_IMAGE = "projects/deeplearning-platform-release/global/images/family/common-cu124-ubuntu-2204";
export const DEFAULT_BOOT_DISK_GIB = 300;
export const MIN_BOOT_DISK_GIB = 100;
/** flex-start nodes are deleted after this run time unless the block says otherwise. */
export const DEFAULT_FLEX_START_HOURS = 24;
/** DWS flex-start runs at most 7 days (cloud-facts §2.5 [S28]). */
export const MAX_FLEX_START_HOURS = 7 * 24;

/** Range the fabric subnets are numbered from (one /24 each); it must not overlap the cluster subnet. */
export const GCP_FABRIC_RANGE = "172.16.0.0/16";

/** Images of the TCPXO plugin installer and receive-datapath manager (release 2025-11-19, cloud-facts §2.3 [S26]). */
export const TCPXO_PLUGIN_IMAGE = "us-docker.pkg.dev/gce-ai-infra/gpudirect-tcpxo/nccl-plugin-gpudirecttcpx-dev:v1.0.14";
export const TCPXO_RXDM_IMAGE = "us-docker.pkg.dev/gce-ai-infra/gpudirect-tcpxo/tcpgpudmarxd-dev:v1.0.20";

/** A GCE metadata value (the nodes' `user-data`) holds at most 256 KB (docs/sources.md, "User data limits"). */
export const GCE_METADATA_VALUE_LIMIT = 256 * 1024;

/**
 * The staging VM: c3-standard-22, 22 vCPUs, whose per-VM egress limit is 23 Gbps (Compute Engine
 * "Network bandwidth", docs/sources.md "GCP"), several times Hugging Face's rate, so the download and
 * not the VM bounds the copy; 88 GB of memory for the BF16 conversion's shards. No public price recorded.
 */
export const GCP_STAGING_HOST: StagingHost = { type: "c3-standard-22", pricePerHour: null };
