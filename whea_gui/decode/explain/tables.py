"""Words and tables the explanation rules draw on (no logic here)."""

from __future__ import annotations

from ...formats.cper import SEVERITY as SEVERITY_WORD  # noqa: F401 - the one table, re-exported
from ...formats.cper import SEVERITY_RANK  # noqa: F401

SEVERITY_MEANING = {
    2: "Corrected: the hardware detected the error and fixed it; no data was lost and the system "
       "kept running. An occasional corrected error is normal; many on the same part predict a failure.",
    0: "Recoverable: the hardware could not fix the error, but the system contained it (for example "
       "by stopping the affected program or retiring a memory page) and kept running. Data in the "
       "affected program may have been lost.",
    1: "Fatal: the error could not be corrected or contained; a system normally stops (blue screen, "
       "kernel panic or reset) on such an error to avoid corrupting data.",
    3: "Informational: a status report, not a hardware fault.",
}
COMPONENT_NAME = {
    "cpu": "processor (CPU)", "memory": "memory (RAM)", "pcie": "PCI Express device or link",
    "pci": "PCI/PCI-X device or bus", "firmware": "platform firmware", "iommu": "IOMMU (DMA remapping)",
    "cxl": "CXL device", "platform": "platform (chipset/board)", "ccix": "CCIX device or link",
    "storage": "storage device or controller", "gpu": "GPU",
}
# Fallback component by section type, for sections whose decoder did not say (or has none).
# a VT-d fault whose reason is an interrupt-remapping one: no DMA request went wrong
IOMMU_INTERRUPT_NAME = "IOMMU (interrupt remapping)"

TYPE_COMPONENT = {
    "9876ccad-47b4-4bdb-b65e-16f193c4f3db": "cpu", "dc3ea0b0-a144-4797-b95b-53fa242b6e1d": "cpu",
    "e429faf1-3cb7-11d4-bca7-0080c73c8881": "cpu", "e19e3d16-bc11-11e4-9caa-c2051d5d46b0": "cpu",
    "a5bc1114-6f64-4ede-b863-3e83ed7c83b1": "memory", "61ec04fc-48e6-d813-25c9-8daa44750b12": "memory",
    "d995e954-bbc1-430f-ad91-b44dcb3c6f35": "pcie", "81212a96-09ed-4996-9471-8d729c8e69ed": "firmware",
    "c5753963-3b84-4095-bf78-eddad3f9c9dd": "pci", "eb5e4685-ca66-4769-b6a2-26068b001326": "pci",
    "5b51fef7-c79d-4434-8f1b-aa62de3e2c64": "iommu", "71761d37-32b2-45cd-a7d0-b0fedd93e8cf": "iommu",
    "036f84e1-7f37-428c-a79e-575fdfaa84ec": "iommu", "91335ef6-ebfb-4478-a6a6-88b728cf75d7": "ccix",
    "80b9efb4-52b5-4de3-a777-68784b771048": "cxl", "fbcd0a77-c260-417f-85a9-088b1621eba6": "cxl",
    "601dcbb3-9c06-4eab-b8af-4e9bfb5c9624": "cxl", "fe927475-dd59-4339-a586-79bab113b774": "cxl",
    "77cf9271-9c02-470b-9fe4-bc7b75f2da97": "cxl", "40d26425-3396-4c4d-a5da-3d47263af425": "cxl",
    "8dc44363-0c96-4710-b7bf-04bb99534c3f": "cxl", "5e4706c1-5356-48c6-930b-52f2120a4458": "memory",
    "8a1e1d01-42f9-4557-9c33-565e5cc3f7e8": "cpu", "e71254e7-c1b9-4940-ab76-909703a4320f": "platform",
    "1c15b445-9b06-4667-ac25-33c056b88803": "cpu", "ec49534b-30e7-4358-972f-eca6958fae3b": "pcie",
    "e96eca99-53e2-4f52-9be7-d2dbe9508ed0": "pcie", "0e36c93e-ca15-4a83-ba8a-cbe80f7f0017": "memory",
    "f5fe48a6-84ce-4c1e-aa64-20c9a53099f1": "cpu", "f2a4a152-9c6d-4020-aecf-7695b389251b": "cpu",
    "dd060800-f6e1-4204-ac27-c4bca9568402": "pcie", "e3ebf4a2-df50-4708-b2d7-0b29ec2f7aa9": "cpu",
    "e16edb28-6113-4263-a41d-e53f8de78751": "memory", "0d3a4a3b-774a-4c72-95e2-152d43180374": "memory",
    "81687003-dbfd-4728-9ffd-f0904f97597d": "memory", "85183a8b-9c41-429c-939c-5c3c087ca280": "firmware",
    "cc245308-61d5-4356-a707-25172ec2f5ea": "memory", "bf32d4d5-b427-4025-8495-8a9e5d4030e4": "cpu",
}
# Sections that describe the handling of an error, not a failing part.
METADATA_TYPES = {"c34832a1-02c3-4c52-a9f1-9f1d5d7723fc"}
# UEFI Platform Memory sections: their error type names what failed (the detail sentence).
PLATFORM_MEMORY_TYPES = {"a5bc1114-6f64-4ede-b863-3e83ed7c83b1", "61ec04fc-48e6-d813-25c9-8daa44750b12"}
# When several sections locate the error, the device that holds the data outranks the detector.
COMPONENT_PRIORITY = {"memory": 3, "pcie": 3, "pci": 3, "cxl": 3, "iommu": 2, "cpu": 2,
                      "firmware": 1, "platform": 1}
PCI_COMPONENTS = {"pcie", "pci", "cxl", "iommu", "ccix"}

WHLG_ADVICE = {
    "AerNotGrantedToOs": "Firmware kept control of PCIe Advanced Error Reporting, so PCIe errors are "
                         "handled (and logged) by the firmware first. Usually fine; if you want Windows to "
                         "report PCIe errors itself, look for an 'OS native AER' firmware setting.",
    "CmciRestart": "Windows switched corrected machine-check reporting back on after a burst of "
                   "corrected errors. If this repeats, look for the CPU or memory part producing them.",
    "CmcSwitchToPolling": "A burst of corrected machine-check errors made Windows switch to polling; "
                          "find the part producing them in the WHEA error records from the same time.",
    "PFAMemoryOfflined": "Windows took a memory page out of use after repeated errors. If it keeps "
                         "happening, test the memory and plan to replace the affected DIMM.",
}
WHLG_TEXT_NO_PAYLOAD = {
    "AerNotGrantedToOs": "firmware did not grant PCIe AER control to Windows (_OSC), so firmware "
                         "handles PCIe errors first",
}
