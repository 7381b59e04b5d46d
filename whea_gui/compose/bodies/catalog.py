"""Every section kind the builder can make: key, GUID, default severity, notification type."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from ...core import guids
from . import io, memory, microsoft, misc, processor

Packer = Callable[[random.Random, int, dict], bytes]

CMC = "2dce8bb1-bdd7-450e-b9ad-9cf4ebd4f890"
CPE = "4e292f96-d843-4a55-a8c2-d481f27ebeee"
MCE = "e8f56ffe-919c-4cc5-ba88-65abe14913bb"
PCIE = "cf93c01f-1a16-4dfc-b8bc-9c4daf67c104"
NMI = "5bad89ff-b7e6-42c9-814a-cf2485d6e98a"
BOOT = "3d61a466-ab40-409a-a698-f362d464b38f"
DMAR = "667dd791-c6b3-4c27-8a6b-0f8e722deb41"
SEA = "9a78788a-bbe8-11e4-809e-67611e5d46b0"
SEI = "5c284c81-b0ae-4e87-a322-b04c85624323"
CXL = "69293bc9-41df-49a3-b4bd-4fb0db3041f6"
GENERIC = "3e62a467-ab40-409a-a698-f362d464b38f"


@dataclass(frozen=True)
class Kind:
    key: str
    guid: str
    pack: Packer
    severity: int = 2  # default section severity
    component: str = ""
    notify: str = CPE  # for corrected errors; fatal/recoverable ones use ``fatal_notify``
    fatal_notify: str = MCE
    aliases: tuple[str, ...] = field(default=())
    companion: bool = False  # only meaningful beside another section (not generated alone)
    corrected_only: bool = False  # a summary of corrected errors: never the section of a fatal record

    @property
    def title(self) -> str:
        return guids.name_of(self.guid, "section")

    def notify_for(self, severity: int) -> str:
        return self.notify if severity in (2, 3) else self.fatal_notify


def _k(key, guid, pack, **kw) -> Kind:
    return Kind(key, guid, pack, **kw)


KINDS: list[Kind] = [
    _k("processor-generic", "9876ccad-47b4-4bdb-b65e-16f193c4f3db", processor.pack_generic,
       component="cpu", notify=CMC, aliases=("generic",)),
    _k("ia32x64", "dc3ea0b0-a144-4797-b95b-53fa242b6e1d", processor.pack_ia32x64, component="cpu",
       notify=CMC),
    _k("ipf", "e429faf1-3cb7-11d4-bca7-0080c73c8881", processor.pack_ipf, component="cpu", notify=CMC),
    _k("arm", "e19e3d16-bc11-11e4-9caa-c2051d5d46b0", processor.pack_arm, component="cpu",
       notify=CPE, fatal_notify=SEA),
    _k("arm-ras", "bf32d4d5-b427-4025-8495-8a9e5d4030e4", misc.pack_arm_ras, component="cpu",
       notify=CPE, fatal_notify=SEI),
    _k("memory", "a5bc1114-6f64-4ede-b863-3e83ed7c83b1", memory.pack_memory, component="memory",
       notify=CMC),
    _k("memory2", "61ec04fc-48e6-d813-25c9-8daa44750b12", memory.pack_memory2, component="memory",
       notify=CMC),
    _k("pcie", "d995e954-bbc1-430f-ad91-b44dcb3c6f35", io.pack_pcie, component="pcie",
       notify=PCIE, fatal_notify=PCIE),
    _k("pci-bus", "c5753963-3b84-4095-bf78-eddad3f9c9dd", io.pack_pci_bus, component="pci",
       aliases=("pcibus",)),
    _k("pci-component", "eb5e4685-ca66-4769-b6a2-26068b001326", io.pack_pci_component,
       component="pci", aliases=("pcidev",)),
    _k("firmware", "81212a96-09ed-4996-9471-8d729c8e69ed", misc.pack_firmware, severity=1,
       component="firmware", notify=BOOT, fatal_notify=BOOT),
    _k("dmar-generic", "5b51fef7-c79d-4434-8f1b-aa62de3e2c64", io.pack_dmar_generic,
       component="iommu", notify=DMAR, fatal_notify=DMAR, aliases=("dmargeneric",)),
    _k("dmar-vtd", "71761d37-32b2-45cd-a7d0-b0fedd93e8cf", io.pack_dmar_vtd, component="iommu",
       notify=DMAR, fatal_notify=DMAR, aliases=("dmarvtd",)),
    _k("dmar-iommu", "036f84e1-7f37-428c-a79e-575fdfaa84ec", io.pack_dmar_iommu, component="iommu",
       notify=DMAR, fatal_notify=DMAR, aliases=("dmariommu",)),
    _k("ccix-per", "91335ef6-ebfb-4478-a6a6-88b728cf75d7", io.pack_ccix, component="ccix",
       aliases=("ccixper",)),
    _k("cxl-protocol", "80b9efb4-52b5-4de3-a777-68784b771048", io.pack_cxl_protocol,
       component="cxl", notify=CXL, fatal_notify=CXL, aliases=("cxlprotocol",)),
    _k("cxl-media", "fbcd0a77-c260-417f-85a9-088b1621eba6", partial(io.pack_cxl_component, kind="media"),
       component="cxl", notify=CXL, fatal_notify=CXL, aliases=("cxlcomponent-media",)),
    _k("cxl-dram", "601dcbb3-9c06-4eab-b8af-4e9bfb5c9624", partial(io.pack_cxl_component, kind="dram"),
       component="cxl", notify=CXL, fatal_notify=CXL, aliases=("cxlcomponent-dram",)),
    _k("cxl-memory-module", "fe927475-dd59-4339-a586-79bab113b774",
       partial(io.pack_cxl_component, kind="module"), component="cxl", notify=CXL, fatal_notify=CXL,
       aliases=("cxlcomponent-memory",)),
    _k("cxl-pswitch", "77cf9271-9c02-470b-9fe4-bc7b75f2da97", partial(io.pack_cxl_component, kind="other"),
       component="cxl", notify=CXL, fatal_notify=CXL, aliases=("cxlcomponent-pswitch",)),
    _k("cxl-vswitch", "40d26425-3396-4c4d-a5da-3d47263af425", partial(io.pack_cxl_component, kind="other"),
       component="cxl", notify=CXL, fatal_notify=CXL, aliases=("cxlcomponent-vswitch",)),
    _k("cxl-mld", "8dc44363-0c96-4710-b7bf-04bb99534c3f", partial(io.pack_cxl_component, kind="other"),
       component="cxl", notify=CXL, fatal_notify=CXL, aliases=("cxlcomponent-mld",)),
    _k("fmp", "5e4706c1-5356-48c6-930b-52f2120a4458", memory.pack_fmp, severity=0,
       component="memory", notify=MCE),
    _k("ampere", "2826cc9f-448c-4c2b-86b6-a95394b7ef33", misc.pack_ampere, component="platform"),
    _k("nvidia", "6d5244f2-2712-11ec-bea7-cb3fdb95c786", misc.pack_nvidia, component="platform"),
    _k("nvidia-event", "9068e568-6ca0-11f0-aeaf-159343591eac", misc.pack_nvidia_event,
       component="gpu", aliases=("nvidiaevent",)),
    # Microsoft sections
    _k("xpf-mca", "8a1e1d01-42f9-4557-9c33-565e5cc3f7e8", microsoft.pack_xpf_mca, component="cpu",
       notify=CMC, aliases=("ms-xpf-mca",)),
    _k("recovery-info", "c34832a1-02c3-4c52-a9f1-9f1d5d7723fc", microsoft.pack_recovery_info,
       severity=3, companion=True, notify=MCE),
    _k("error-packet", "e71254e9-c1b9-4940-ab76-909703a4320f", microsoft.pack_error_packet,
       component="memory", notify=CMC),
    _k("nmi", "e71254e7-c1b9-4940-ab76-909703a4320f", microsoft.pack_nmi, severity=1,
       component="platform", notify=NMI, fatal_notify=NMI),
    _k("generic-error", "e71254e8-c1b9-4940-ab76-909703a4320f", microsoft.pack_generic_error,
       component="memory", notify=GENERIC, fatal_notify=GENERIC),
    _k("memory-summary", "0e36c93e-ca15-4a83-ba8a-cbe80f7f0017", microsoft.pack_memory_summary,
       component="memory", notify=GENERIC, corrected_only=True),
    _k("pcie-summary", "e96eca99-53e2-4f52-9be7-d2dbe9508ed0", microsoft.pack_pcie_summary,
       component="pcie", notify=PCIE, corrected_only=True),
    _k("pmem", "81687003-dbfd-4728-9ffd-f0904f97597d", microsoft.pack_pmem, component="memory",
       notify=GENERIC),
    _k("msr-dump", "1c15b445-9b06-4667-ac25-33c056b88803", microsoft.pack_msr_dump, severity=3,
       component="cpu", companion=True),
    _k("mu-telemetry", "85183a8b-9c41-429c-939c-5c3c087ca280", microsoft.pack_mu_telemetry,
       severity=3, component="firmware", notify=BOOT, fatal_notify=BOOT),
    _k("sea", "f5fe48a6-84ce-4c1e-aa64-20c9a53099f1", microsoft.pack_sea, severity=0,
       component="cpu", notify=SEA, fatal_notify=SEA),
    _k("sei", "f2a4a152-9c6d-4020-aecf-7695b389251b", microsoft.pack_sei, severity=1,
       component="cpu", notify=SEI, fatal_notify=SEI),
    _k("ms-arm-ras", "e3ebf4a2-df50-4708-b2d7-0b29ec2f7aa9", microsoft.pack_ms_arm_ras,
       component="cpu", notify=GENERIC),
    _k("pci-recovery", "dd060800-f6e1-4204-ac27-c4bca9568402", microsoft.pack_pci_recovery,
       severity=3, component="pcie", companion=True, notify=PCIE, fatal_notify=PCIE),
    _k("memory-ext-intel", "e16edb28-6113-4263-a41d-e53f8de78751", microsoft.pack_memory_ext_intel,
       component="memory", companion=True, notify=CMC),
    _k("memory-ext-amd", "0d3a4a3b-774a-4c72-95e2-152d43180374", microsoft.pack_memory_ext_amd,
       component="memory", companion=True, notify=CMC),
    _k("memory-range", "cc245308-61d5-4356-a707-25172ec2f5ea", microsoft.pack_memory_range,
       component="memory", notify=GENERIC),
    _k("extended-ras", "c6749ac0-16fb-4868-b976-65a61299834f", microsoft.pack_extended_ras,
       component="platform", notify=GENERIC),
    _k("dpc", "ec49534b-30e7-4358-972f-eca6958fae3b", microsoft.pack_dpc, severity=1,
       component="pcie", companion=True, notify=PCIE, fatal_notify=PCIE),
]

_BY_NAME: dict[str, Kind] = {}
for _kind in KINDS:
    _BY_NAME[_kind.key] = _kind
    _BY_NAME.setdefault(_kind.guid, _kind)
    for _a in _kind.aliases:
        _BY_NAME.setdefault(_a, _kind)


def find(name: str) -> Kind | None:
    """A kind by key, alias (libcper generator names work too) or section-type GUID."""
    return _BY_NAME.get(name.strip().lower())


def guid_of(name: str) -> str:
    kind = find(name)
    if kind is not None:
        return kind.guid
    try:
        return guids.guid_text(guids.guid_bytes(name))
    except ValueError:
        keys = ", ".join(k.key for k in KINDS)
        raise ValueError(f"unknown section kind {name!r}; known kinds: {keys}") from None
