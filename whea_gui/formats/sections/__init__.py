"""Section-body decoders: one module per section family, each registering by GUID.

``whea_gui.core.sections`` imports a module when a section of one of its GUIDs is first decoded
(``MODULE_OF_GUID``), so a run imports only the decoders its records need. A section whose
type has no decoder imports only the modules that register fallback decoders
(``FALLBACK_MODULES``). tests/test_decode_fast_paths.py checks that both tables are what the
modules register.
"""

FALLBACK_MODULES = ("device_driver",)

MODULE_OF_GUID = {
    "e19e3d16-bc11-11e4-9caa-c2051d5d46b0": "arm",
    "bf32d4d5-b427-4025-8495-8a9e5d4030e4": "arm_ras",
    "e3ebf4a2-df50-4708-b2d7-0b29ec2f7aa9": "arm_ras",
    "91335ef6-ebfb-4478-a6a6-88b728cf75d7": "ccix",
    "40d26425-3396-4c4d-a5da-3d47263af425": "cxl_component",
    "601dcbb3-9c06-4eab-b8af-4e9bfb5c9624": "cxl_component",
    "757492fe-59dd-3943-a586-79bab113b774": "cxl_component",
    "77cf9271-9c02-470b-9fe4-bc7b75f2da97": "cxl_component",
    "8dc44363-0c96-4710-b7bf-04bb99534c3f": "cxl_component",
    "b3cb1d60-069c-ab4e-b8af-4e9bfb5c9624": "cxl_component",
    "fbcd0a77-c260-417f-85a9-088b1621eba6": "cxl_component",
    "fe927475-dd59-4339-a586-79bab113b774": "cxl_component",
    "80b9efb4-52b5-4de3-a777-68784b771048": "cxl_protocol",
    "036f84e1-7f37-428c-a79e-575fdfaa84ec": "dmar",
    "5b51fef7-c79d-4434-8f1b-aa62de3e2c64": "dmar",
    "71761d37-32b2-45cd-a7d0-b0fedd93e8cf": "dmar",
    "81212a96-09ed-4996-9471-8d729c8e69ed": "firmware_reference",
    "5e4706c1-5356-48c6-930b-52f2120a4458": "fmp",
    "dc3ea0b0-a144-4797-b95b-53fa242b6e1d": "ia32x64",
    "e429faf1-3cb7-11d4-bca7-0080c73c8881": "ipf",
    "61ec04fc-48e6-d813-25c9-8daa44750b12": "memory",
    "a5bc1114-6f64-4ede-b863-3e83ed7c83b1": "memory",
    "f2a4a152-9c6d-4020-aecf-7695b389251b": "ms_arm",
    "f5fe48a6-84ce-4c1e-aa64-20c9a53099f1": "ms_arm",
    "ec49534b-30e7-4358-972f-eca6958fae3b": "ms_dpc",
    "e71254e9-c1b9-4940-ab76-909703a4320f": "ms_error_packet",
    "c6749ac0-16fb-4868-b976-65a61299834f": "ms_extended_ras",
    "e71254e8-c1b9-4940-ab76-909703a4320f": "ms_generic",
    "0d3a4a3b-774a-4c72-95e2-152d43180374": "ms_memory_ext",
    "e16edb28-6113-4263-a41d-e53f8de78751": "ms_memory_ext",
    "cc245308-61d5-4356-a707-25172ec2f5ea": "ms_memory_range",
    "1c15b445-9b06-4667-ac25-33c056b88803": "ms_msr_dump",
    "85183a8b-9c41-429c-939c-5c3c087ca280": "ms_mu_telemetry",
    "e71254e7-c1b9-4940-ab76-909703a4320f": "ms_nmi",
    "81687003-dbfd-4728-9ffd-f0904f97597d": "ms_pmem",
    "c34832a1-02c3-4c52-a9f1-9f1d5d7723fc": "ms_recovery",
    "dd060800-f6e1-4204-ac27-c4bca9568402": "ms_recovery",
    "0e36c93e-ca15-4a83-ba8a-cbe80f7f0017": "ms_summaries",
    "e96eca99-53e2-4f52-9be7-d2dbe9508ed0": "ms_summaries",
    "8a1e1d01-42f9-4557-9c33-565e5cc3f7e8": "ms_xpf_mca",
    "9068e568-6ca0-11f0-aeaf-159343591eac": "nvidia_event",
    "c5753963-3b84-4095-bf78-eddad3f9c9dd": "pci",
    "eb5e4685-ca66-4769-b6a2-26068b001326": "pci",
    "d995e954-bbc1-430f-ad91-b44dcb3c6f35": "pcie",
    "9876ccad-47b4-4bdb-b65e-16f193c4f3db": "processor_generic",
    "93a41c2f-a09f-e7c2-ac1f-f2488f03eec3": "boot_venhw",
    "2826cc9f-448c-4c2b-86b6-a95394b7ef33": "vendor",
    "6d5244f2-2712-11ec-bea7-cb3fdb95c786": "vendor",
}
