"""One registry of every GUID the decoder names: notify types, creators, section types.

GUIDs are handled as lowercase canonical text (``uuid.UUID(bytes_le=...)``, the EFI mixed-endian
wire order).  A few producers put a GUID on the wire in RFC 4122 (big-endian) order instead
(Microsoft's CXL component GUIDs, FORMAT.md §5.4 / conflict C3); ``lookup`` recognises both.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from functools import lru_cache

NOTIFY = "notify"
CREATOR = "creator"
SECTION = "section"
CHECK = "check"


@dataclass(frozen=True)
class GuidInfo:
    guid: str
    kind: str
    name: str
    symbol: str = ""
    note: str = ""
    byte_swapped: bool = False  # matched through the RFC 4122 byte order


_GUID_HEAD = struct.Struct("<IHH")


@lru_cache(maxsize=4096)
def _guid_text(raw: bytes) -> str:
    a, b, c = _GUID_HEAD.unpack_from(raw)
    return f"{a:08x}-{b:04x}-{c:04x}-{raw[8:10].hex()}-{raw[10:16].hex()}"


def guid_text(raw: bytes) -> str:
    """Canonical text of a 16-byte EFI GUID in wire order (== uuid.UUID(bytes_le=raw))."""
    return _guid_text(bytes(raw))


def guid_bytes(text: str) -> bytes:
    """The 16 wire bytes of a GUID's text (== uuid.UUID(text).bytes_le; the same forms accepted,
    without importing uuid, which pulls in ``platform`` at every start-up)."""
    digits = text.replace("urn:", "").replace("uuid:", "").strip("{}").replace("-", "")
    if len(digits) != 32:
        raise ValueError("badly formed hexadecimal UUID string")
    raw = int(digits, 16).to_bytes(16, "big")
    return raw[3::-1] + raw[5:3:-1] + raw[7:5:-1] + raw[8:]


def swapped_text(text: str) -> str:
    """The text a GUID would read as if its wire bytes were taken in RFC 4122 order."""
    le = guid_bytes(text)
    return f"{le[:4].hex()}-{le[4:6].hex()}-{le[6:8].hex()}-{le[8:10].hex()}-{le[10:].hex()}"


_ENTRIES: list[tuple[str, str, str, str]] = [
    # (kind, guid, name, symbol) — FORMAT.md §5.1 notification types
    (NOTIFY, "2dce8bb1-bdd7-450e-b9ad-9cf4ebd4f890", "CMC (Corrected Machine Check)", "CMC_NOTIFY_TYPE_GUID"),
    (NOTIFY, "4e292f96-d843-4a55-a8c2-d481f27ebeee", "CPE (Corrected Platform Error)", "CPE_NOTIFY_TYPE_GUID"),
    (NOTIFY, "e8f56ffe-919c-4cc5-ba88-65abe14913bb", "MCE (Machine Check Exception)", "MCE_NOTIFY_TYPE_GUID"),
    (NOTIFY, "cf93c01f-1a16-4dfc-b8bc-9c4daf67c104", "PCIe", "PCIe_NOTIFY_TYPE_GUID"),
    (NOTIFY, "cc5263e8-9308-454a-89d0-340bd39bc98e", "INIT (IPF)", "INIT_NOTIFY_TYPE_GUID"),
    (NOTIFY, "5bad89ff-b7e6-42c9-814a-cf2485d6e98a", "NMI", "NMI_NOTIFY_TYPE_GUID"),
    (NOTIFY, "3d61a466-ab40-409a-a698-f362d464b38f", "BOOT (boot error record)", "BOOT_NOTIFY_TYPE_GUID"),
    (NOTIFY, "667dd791-c6b3-4c27-8a6b-0f8e722deb41", "DMAr (DMA remapping)", "CPER_NOTIFY_DMAR"),
    (NOTIFY, "9a78788a-bbe8-11e4-809e-67611e5d46b0", "SEA (Arm Synchronous External Abort)", "SEA_NOTIFY_TYPE_GUID"),
    (NOTIFY, "5c284c81-b0ae-4e87-a322-b04c85624323", "SEI (Arm SError Interrupt)", "SEI_NOTIFY_TYPE_GUID"),
    (NOTIFY, "09a9d5ac-5204-4214-96e5-94992e752bcd", "PEI (Arm Platform Error Interrupt)", "PEI_NOTIFY_TYPE_GUID"),
    (NOTIFY, "69293bc9-41df-49a3-b4bd-4fb0db3041f6", "CXL Component", "gEfiEventNotificationTypeCxlGuid"),
    (NOTIFY, "3e62a467-ab40-409a-a698-f362d464b38f", "GENERIC (Microsoft)", "GENERIC_NOTIFY_TYPE_GUID"),
    (NOTIFY, "487565ba-6494-4367-95ca-4eff893522f6", "BMC (Microsoft)", "BMC_NOTIFY_TYPE_GUID"),
    (NOTIFY, "e9d59197-94ee-4a4f-8ad8-9b7d8bd93d2e", "SCI (Microsoft)", "SCI_NOTIFY_TYPE_GUID"),
    (NOTIFY, "fe84086e-b557-43cf-ac1b-17982e078470", "EXTINT (Microsoft)", "EXTINT_NOTIFY_TYPE_GUID"),
    (NOTIFY, "0033f803-2e70-4e88-992c-6f26daf3db7a", "Device Driver (Microsoft)", "DEVICE_DRIVER_NOTIFY_TYPE_GUID"),
    (NOTIFY, "919448b2-3739-4b7f-a8f1-e0062805c2a3", "CMCI (Microsoft)", "CMCI_NOTIFY_TYPE_GUID"),
    # §5.2 creators
    (CREATOR, "cf07c4bd-b789-4e18-b3c4-1f732cb57131", "Microsoft (Windows kernel)", "WHEA_RECORD_CREATOR_GUID"),
    (CREATOR, "57217c8d-5e66-44fb-8033-9b74cacedf5b", "Device Driver (default creator)", "DEFAULT_DEVICE_DRIVER_CREATOR_GUID"),
    (CREATOR, "75a574e3-5052-4b29-8a8e-be2c6490b89d", "Linux (pstore / MCE)", "CPER_CREATOR_PSTORE"),
    (CREATOR, "cd5c2993-f4b2-41b2-b5d4-f9c3a0330875", "Linux (FRU memory poison manager)", "CPER_CREATOR_FMP"),
    # §5.3 standard sections
    (SECTION, "9876ccad-47b4-4bdb-b65e-16f193c4f3db", "Processor Generic", "PROCESSOR_GENERIC_ERROR_SECTION_GUID"),
    (SECTION, "dc3ea0b0-a144-4797-b95b-53fa242b6e1d", "IA32/X64 Processor", "XPF_PROCESSOR_ERROR_SECTION_GUID"),
    (SECTION, "e429faf1-3cb7-11d4-bca7-0080c73c8881", "IPF Processor", "IPF_PROCESSOR_ERROR_SECTION_GUID"),
    (SECTION, "e19e3d16-bc11-11e4-9caa-c2051d5d46b0", "ARM Processor", "ARM_PROCESSOR_ERROR_SECTION_GUID"),
    (SECTION, "a5bc1114-6f64-4ede-b863-3e83ed7c83b1", "Platform Memory", "MEMORY_ERROR_SECTION_GUID"),
    (SECTION, "61ec04fc-48e6-d813-25c9-8daa44750b12", "Platform Memory 2", "EFI_ERROR_SECTION_PLATFORM_MEMORY2_GUID"),
    (SECTION, "d995e954-bbc1-430f-ad91-b44dcb3c6f35", "PCI Express", "PCIEXPRESS_ERROR_SECTION_GUID"),
    (SECTION, "81212a96-09ed-4996-9471-8d729c8e69ed", "Firmware Error Record Reference", "FIRMWARE_ERROR_RECORD_REFERENCE_GUID"),
    (SECTION, "c5753963-3b84-4095-bf78-eddad3f9c9dd", "PCI/PCI-X Bus", "PCIXBUS_ERROR_SECTION_GUID"),
    (SECTION, "eb5e4685-ca66-4769-b6a2-26068b001326", "PCI Component/Device", "PCIXDEVICE_ERROR_SECTION_GUID"),
    (SECTION, "5b51fef7-c79d-4434-8f1b-aa62de3e2c64", "DMAr Generic", "CPER_SEC_DMAR_GENERIC"),
    (SECTION, "71761d37-32b2-45cd-a7d0-b0fedd93e8cf", "Intel VT-d DMAr", "CPER_SEC_DMAR_VT"),
    (SECTION, "036f84e1-7f37-428c-a79e-575fdfaa84ec", "IOMMU DMAr", "CPER_SEC_DMAR_IOMMU"),
    (SECTION, "91335ef6-ebfb-4478-a6a6-88b728cf75d7", "CCIX PER Log", "gEfiCcixPerLogErrorSectionGuid"),
    (SECTION, "80b9efb4-52b5-4de3-a777-68784b771048", "CXL Protocol Error", "CXL_PROTOCOL_ERROR_SECTION_GUID"),
    (SECTION, "fbcd0a77-c260-417f-85a9-088b1621eba6", "CXL General Media Event", "CPER_SEC_CXL_GEN_MEDIA_GUID"),
    (SECTION, "601dcbb3-9c06-4eab-b8af-4e9bfb5c9624", "CXL DRAM Event", "CPER_SEC_CXL_DRAM_GUID"),
    (SECTION, "fe927475-dd59-4339-a586-79bab113b774", "CXL Memory Module Event", "CPER_SEC_CXL_MEM_MODULE_GUID"),
    (SECTION, "77cf9271-9c02-470b-9fe4-bc7b75f2da97", "CXL Physical Switch Event", "gEfiCxlPhysicalSwitchErrorSectionGuid"),
    (SECTION, "40d26425-3396-4c4d-a5da-3d47263af425", "CXL Virtual Switch Event", "gEfiCxlVirtualSwitchErrorSectionGuid"),
    (SECTION, "8dc44363-0c96-4710-b7bf-04bb99534c3f", "CXL MLD Port Event", "gEfiCxlMldPortErrorSectionGuid"),
    (SECTION, "5e4706c1-5356-48c6-930b-52f2120a4458", "FRU Memory Poison", "CPER_SECTION_TYPE_FMP"),
    # §5.4 Microsoft sections
    (SECTION, "e71254e9-c1b9-4940-ab76-909703a4320f", "Hardware Error Packet (Microsoft)", "WHEA_ERROR_PACKET_SECTION_GUID"),
    (SECTION, "8a1e1d01-42f9-4557-9c33-565e5cc3f7e8", "IA32/AMD64 Machine Check (Microsoft XPF MCA)", "XPF_MCA_SECTION_GUID"),
    (SECTION, "e71254e7-c1b9-4940-ab76-909703a4320f", "NMI Error (Microsoft)", "NMI_SECTION_GUID"),
    (SECTION, "e71254e8-c1b9-4940-ab76-909703a4320f", "Generic Error (Microsoft)", "GENERIC_SECTION_GUID"),
    (SECTION, "6f3380d1-6eb0-497f-a578-4d4c65a71617", "IA64 SAL Record (Microsoft)", "IPF_SAL_RECORD_SECTION_GUID"),
    (SECTION, "1c15b445-9b06-4667-ac25-33c056b88803", "MSR Dump (Microsoft)", "IPMI_MSR_DUMP_SECTION_GUID"),
    (SECTION, "ec49534b-30e7-4358-972f-eca6958fae3b", "PCI Express DPC Capability (Microsoft)", "WHEA_DPC_CAPABILITY_SECTION_GUID"),
    (SECTION, "e96eca99-53e2-4f52-9be7-d2dbe9508ed0", "PCIe Correctable Error Summary (Microsoft)", "PCIE_CORRECTABLE_ERROR_SUMMARY_SECTION_GUID"),
    (SECTION, "0e36c93e-ca15-4a83-ba8a-cbe80f7f0017", "Memory Correctable Error Summary (Microsoft)", "MEMORY_CORRECTABLE_ERROR_SUMMARY_SECTION_GUID"),
    (SECTION, "f5fe48a6-84ce-4c1e-aa64-20c9a53099f1", "ARM SEA Exception (Microsoft)", "SEA_SECTION_GUID"),
    (SECTION, "f2a4a152-9c6d-4020-aecf-7695b389251b", "ARM SEI Exception (Microsoft)", "SEI_SECTION_GUID"),
    (SECTION, "dd060800-f6e1-4204-ac27-c4bca9568402", "PCI Recovery (Microsoft)", "PCI_RECOVERY_SECTION_GUID"),
    (SECTION, "e3ebf4a2-df50-4708-b2d7-0b29ec2f7aa9", "ARM RAS Node Error (Microsoft)", "ARM_RAS_NODE_SECTION_GUID"),
    (SECTION, "e16edb28-6113-4263-a41d-e53f8de78751", "Memory Error Extension (Intel, Microsoft)", "MEMORY_ERROR_EXT_SECTION_INTEL_GUID"),
    (SECTION, "0d3a4a3b-774a-4c72-95e2-152d43180374", "Memory Error Extension (AMD, Microsoft)", "MEMORY_ERROR_EXT_SECTION_AMD_GUID"),
    (SECTION, "c6749ac0-16fb-4868-b976-65a61299834f", "Platform Extended RAS (Microsoft)", "PLATFORM_EXTENDED_RAS_SECTION_GUID"),
    (SECTION, "81687003-dbfd-4728-9ffd-f0904f97597d", "Persistent Memory Error (Microsoft)", "PMEM_ERROR_SECTION_GUID"),
    (SECTION, "85183a8b-9c41-429c-939c-5c3c087ca280", "Project Mu Telemetry", "MU_TELEMETRY_SECTION_GUID"),
    (SECTION, "c34832a1-02c3-4c52-a9f1-9f1d5d7723fc", "Error Recovery Information (Microsoft)", "RECOVERY_INFO_SECTION_GUID"),
    (SECTION, "cc245308-61d5-4356-a707-25172ec2f5ea", "Memory Range Error (Microsoft)", "WHEA_MEMORY_RANGE_ERROR_SECTION_GUID"),
    (SECTION, "990b31e9-541a-4db0-a42f-837d344f6923", "Device Error Summary (Microsoft)", "WHEA_DEVICE_ERROR_SUMMARY_GUID"),
    # §5.5 other producers
    (SECTION, "c197e04e-d545-4a70-9c17-a5549419eb12", "Linux pstore dmesg", "CPER_SECTION_TYPE_DMESG"),
    (SECTION, "4f118707-04dd-4055-b5dd-956d34ddfac6", "Linux pstore dmesg (compressed)", "CPER_SECTION_TYPE_DMESG_Z"),
    (SECTION, "fe08ffbe-95e4-4be7-bc73-4096044a38fc", "Linux MCE record", "CPER_SECTION_TYPE_MCE"),
    (SECTION, "bf32d4d5-b427-4025-8495-8a9e5d4030e4", "Arm RAS Node", "gEfiArmRasNodeSectionGuid"),
    (SECTION, "6d5244f2-2712-11ec-bea7-cb3fdb95c786", "NVIDIA", "gEfiNvidiaErrorSectionGuid"),
    (SECTION, "9068e568-6ca0-11f0-aeaf-159343591eac", "NVIDIA Event", "gEfiNvidiaEventErrorSectionGuid"),
    (SECTION, "2826cc9f-448c-4c2b-86b6-a95394b7ef33", "Ampere", "gEfiAmpereErrorSectionGuid"),
    (SECTION, "e8ed898d-df16-43cc-8ecc-54f060ef157f", "Ampere (rasdaemon)", "AMPERE_SEC_TYPE"),
    (SECTION, "1f8161e1-55d6-41e6-bd10-7afd1dc5f7c5", "HiSilicon", "HISI"),
    (SECTION, "45534ea6-ce23-4115-8535-e07ab3aef91d", "HiSilicon", "HISI"),
    (SECTION, "b2889fc9-e7d7-4f9d-a867-af42e98be772", "HiSilicon", "HISI"),
    (SECTION, "c8b328a8-9917-4af6-9a13-2e08ab2e7586", "HiSilicon", "HISI"),
    (SECTION, "a6980811-16ea-4e4d-b936-fb00a23ff29c", "Alibaba Yitian", "YITIAN"),
    # IA32/X64 check-information types (§5.3)
    (CHECK, "a55701f5-e3ef-43de-ac72-249b573fad2c", "Cache check", "WHEA_CACHECHECK_GUID"),
    (CHECK, "fc06b535-5e1f-4562-9f25-0a3b9adb63c3", "TLB check", "WHEA_TLBCHECK_GUID"),
    (CHECK, "1cf3f8b3-c5b1-49a2-aa59-5eef92ffa63c", "Bus check", "WHEA_BUSCHECK_GUID"),
    (CHECK, "48ab7f57-dc34-4f6c-a7d3-b0b5b0a74314", "Micro-architecture check", "WHEA_MSCHECK_GUID"),
]

# Windows declares these CXL GUIDs with the RFC 4122 byte order (conflict C3): match that too.
_ALSO_BYTE_SWAPPED = {
    "601dcbb3-9c06-4eab-b8af-4e9bfb5c9624",
    "fe927475-dd59-4339-a586-79bab113b774",
}

_REGISTRY: dict[str, GuidInfo] = {}
for _kind, _guid, _name, _symbol in _ENTRIES:
    _REGISTRY.setdefault(_guid, GuidInfo(_guid, _kind, _name, _symbol))
for _guid in _ALSO_BYTE_SWAPPED:
    _info = _REGISTRY[_guid]
    _alt = swapped_text(_guid)
    _REGISTRY[_alt] = GuidInfo(_alt, _info.kind, _info.name, _info.symbol,
                               "Windows byte order (RFC 4122) of " + _guid, byte_swapped=True)

NULL_GUID = "00000000-0000-0000-0000-000000000000"

# Creators whose records carry binary (not BCD) timestamps and WDK flag meanings.
WINDOWS_CREATORS = frozenset({
    "cf07c4bd-b789-4e18-b3c4-1f732cb57131",
    "57217c8d-5e66-44fb-8033-9b74cacedf5b",
})
LINUX_PSTORE_CREATOR = "75a574e3-5052-4b29-8a8e-be2c6490b89d"
LINUX_FMP_CREATOR = "cd5c2993-f4b2-41b2-b5d4-f9c3a0330875"


def lookup(guid: str, kind: str | None = None) -> GuidInfo | None:
    info = _REGISTRY.get(guid.lower())
    if info is None or (kind is not None and info.kind != kind):
        return None
    return info


def name_of(guid: str, kind: str | None = None, default: str = "Unknown") -> str:
    if guid == NULL_GUID:
        return "(none: all-zero GUID)"
    info = lookup(guid, kind)
    return info.name if info else default


def register(guid: str, kind: str, name: str, symbol: str = "") -> None:
    """Add a GUID (plug-in section decoders call this)."""
    _REGISTRY[guid.lower()] = GuidInfo(guid.lower(), kind, name, symbol)

