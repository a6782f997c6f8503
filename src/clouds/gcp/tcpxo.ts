// A3 Mega's GPUDirect-TCPXO needs two things on the node besides SGLang: the NCCL plugin installed
// into /var/lib/tcpxo, and the receive-datapath manager (RxDM) running beside the server for its
// whole life (cloud-facts §2.3 [S25][S26]). One unit does both; the GCP component adds it to the
// boot pipeline's cloud-init document of every A3 Mega node.

import { parse, stringify } from "yaml";
import { TCPXO_PLUGIN_IMAGE, TCPXO_RXDM_IMAGE } from "./machines";

export const TCPXO_UNIT = "dsboot-tcpxo.service";
const TARGET = "dsboot.target";

export function tcpxoUnit(): string {
    return [
        "[Unit]",
        "Description=GPUDirect-TCPXO: NCCL plugin and receive-datapath manager beside SGLang",
        "Requires=docker.service",
        "After=docker.service network-online.target",
        "Wants=network-online.target",
        "Before=dsboot-precompile.service dsboot-sglang.service",
        "PartOf=dsboot.target",
        "",
        "[Service]",
        "Type=simple",
        "ExecStartPre=-/usr/bin/docker rm -f dsboot-rxdm",
        // The installer copies the plugin and its NCCL into /var/lib/tcpxo/lib64, which the server mounts.
        `ExecStartPre=/usr/bin/docker run --rm --pull=missing -v /var/lib:/var/lib ${TCPXO_PLUGIN_IMAGE} install --install-nccl`,
        `ExecStart=/usr/bin/docker run --rm --name dsboot-rxdm --cap-add=NET_ADMIN --network=host --privileged --gpus all -v /var/lib/nvidia/lib64:/usr/local/nvidia/lib64 --device /dev/dmabuf_import_helper:/dev/dmabuf_import_helper --env LD_LIBRARY_PATH=/usr/local/nvidia/lib64 ${TCPXO_RXDM_IMAGE} --num_hops=2 --num_nics=8 --uid= --alsologtostderr`,
        "ExecStop=/usr/bin/docker stop dsboot-rxdm",
        "Restart=always",
        "RestartSec=10",
        "",
        "[Install]",
        `WantedBy=${TARGET}`,
        "",
    ].join("\n");
}

/** The boot pipeline's #cloud-config with the TCPXO unit written and enabled before the pipeline starts. */
export function withTcpxoUnit(cloudConfig: string): string {
    const header = "#cloud-config\n";
    if (!cloudConfig.startsWith(header)) throw new Error("gcp: expected a #cloud-config document from the boot renderer");
    const doc = parse(cloudConfig.slice(header.length)) as { write_files: { path: string; permissions: string; content: string }[]; runcmd: string[][] };
    doc.write_files.push({ path: `/etc/systemd/system/${TCPXO_UNIT}`, permissions: "0644", content: tcpxoUnit() });
    const enable = doc.runcmd.findIndex((c) => c[0] === "systemctl" && c[1] === "enable");
    if (enable < 0) throw new Error("gcp: the boot document enables no units");
    doc.runcmd[enable] = [...doc.runcmd[enable]!, TCPXO_UNIT];
    return `${header}${stringify(doc, { lineWidth: 0, blockQuote: "literal" })}`;
}
