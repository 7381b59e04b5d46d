"""PCI Express register blocks embedded in CPER sections (FORMAT.md §6.7.1).

The PCIe capability structure (60 bytes) and the AER extended capability (96 bytes) are raw copies of
configuration space; their register bit positions follow the PCI Express Base Specification. The
same capability structure appears in the CXL protocol error section (§6.15).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ...core.fields import Bits, Field, Layout, layout_json
from ...core.model import FieldNode
from ...core.sections import SectionContext
from ._kit import bit_children, decode_fields, register_node, struct_node

PORT_TYPES = {
    0: "PCI Express endpoint", 1: "Legacy PCI Express endpoint", 4: "Root port",
    5: "Upstream switch port", 6: "Downstream switch port", 7: "PCI Express to PCI/PCI-X bridge",
    8: "PCI/PCI-X to PCI Express bridge", 9: "Root complex integrated endpoint",
    10: "Root complex event collector",
}
LINK_SPEEDS = {1: "2.5 GT/s", 2: "5.0 GT/s", 3: "8.0 GT/s", 4: "16.0 GT/s", 5: "32.0 GT/s",
               6: "64.0 GT/s"}


def B(bit: int, name: str, label: str, width: int = 1, values=None, meaning: str = "") -> Bits:
    return Bits(bit, name, label, width, meaning, values)


def _reg(name: str, label: str, size: int, bits=(), description: str = "") -> Field:
    defined = 0
    for b in bits:
        defined |= ((1 << b.width) - 1) << b.bit
    return Field(name, label, size, "hex", bits=tuple(bits), description=description,
                 reserved_mask=((1 << size * 8) - 1) & ~defined if bits else 0)


# -- PCI Express Capability structure (capability ID 0x10) ----------------------------------------
CAPABILITY = Layout("pcie_capability", [
    _reg("pcie_capability_header", "PCIe capability header", 2, (
        B(0, "capability_id", "Capability ID", 8), B(8, "next_capability_pointer", "Next pointer", 8))),
    _reg("pcie_capabilities", "PCI Express capabilities", 2, (
        B(0, "capability_version", "Capability version", 4),
        B(4, "device_port_type", "Device/port type", 4, PORT_TYPES),
        B(8, "slot_implemented", "Slot implemented"),
        B(9, "interrupt_message_number", "Interrupt message number", 5),
        B(15, "flit_mode_supported", "Flit mode supported"))),
    _reg("device_capabilities", "Device capabilities", 4, (
        B(0, "max_payload_size_supported", "Max payload size supported", 3),
        B(3, "phantom_functions_supported", "Phantom functions supported", 2),
        B(5, "extended_tag_field_supported", "Extended tag field supported"),
        B(6, "endpoint_l0s_acceptable_latency", "Endpoint L0s acceptable latency", 3),
        B(9, "endpoint_l1_acceptable_latency", "Endpoint L1 acceptable latency", 3),
        B(15, "role_based_error_reporting", "Role-based error reporting"),
        B(16, "err_cor_subclass_capable", "ERR_COR subclass capable"),
        B(17, "rx_mps_fixed", "Rx MPS fixed"),
        B(18, "captured_slot_power_limit_value", "Captured slot power limit value", 8),
        B(26, "captured_slot_power_limit_scale", "Captured slot power limit scale", 2),
        B(28, "function_level_reset_capability", "Function level reset capability"),
        B(29, "mixed_mps_supported", "Mixed MPS supported"),
        B(30, "tee_io_supported", "TEE-IO supported"))),
    _reg("device_control", "Device control", 2, (
        B(0, "correctable_error_reporting_enable", "Correctable error reporting enable"),
        B(1, "non_fatal_error_reporting_enable", "Non-fatal error reporting enable"),
        B(2, "fatal_error_reporting_enable", "Fatal error reporting enable"),
        B(3, "unsupported_request_reporting_enable", "Unsupported request reporting enable"),
        B(4, "enable_relaxed_ordering", "Enable relaxed ordering"),
        B(5, "max_payload_size", "Max payload size", 3),
        B(8, "extended_tag_field_enable", "Extended tag field enable"),
        B(9, "phantom_functions_enable", "Phantom functions enable"),
        B(10, "aux_power_pm_enable", "Aux power PM enable"),
        B(11, "enable_no_snoop", "Enable no snoop"),
        B(12, "max_read_request_size", "Max read request size", 3),
        B(15, "function_level_reset", "Bridge configuration retry enable / initiate FLR"))),
    _reg("device_status", "Device status", 2, (
        B(0, "correctable_error_detected", "Correctable error detected"),
        B(1, "non_fatal_error_detected", "Non-fatal error detected"),
        B(2, "fatal_error_detected", "Fatal error detected"),
        B(3, "unsupported_request_detected", "Unsupported request detected"),
        B(4, "aux_power_detected", "AUX power detected"),
        B(5, "transactions_pending", "Transactions pending"),
        B(6, "emergency_power_reduction_detected", "Emergency power reduction detected"))),
    _reg("link_capabilities", "Link capabilities", 4, (
        B(0, "max_link_speed", "Max link speed", 4, LINK_SPEEDS),
        B(4, "maximum_link_width", "Maximum link width", 6),
        B(10, "aspm_support", "ASPM support", 2),
        B(12, "l0s_exit_latency", "L0s exit latency", 3),
        B(15, "l1_exit_latency", "L1 exit latency", 3),
        B(18, "clock_power_management", "Clock power management"),
        B(19, "surprise_down_error_reporting_capable", "Surprise down error reporting capable"),
        B(20, "data_link_layer_link_active_reporting_capable", "DLL link active reporting capable"),
        B(21, "link_bandwidth_notification_capability", "Link bandwidth notification capability"),
        B(22, "aspm_optionality_compliance", "ASPM optionality compliance"),
        B(24, "port_number", "Port number", 8))),
    _reg("link_control", "Link control", 2, (
        B(0, "aspm_control", "ASPM control", 2),
        B(2, "ptm_prop_delay_adaptation_interpretation", "PTM propagation delay adaptation interpretation"),
        B(3, "read_completion_boundary", "Read completion boundary"),
        B(4, "link_disable", "Link disable"),
        B(5, "retrain_link", "Retrain link"),
        B(6, "common_clock_configuration", "Common clock configuration"),
        B(7, "extended_synch", "Extended synch"),
        B(8, "enable_clock_power_management", "Enable clock power management"),
        B(9, "hardware_autonomous_width_disable", "Hardware autonomous width disable"),
        B(10, "link_bandwidth_management_interrupt_enable", "Link bandwidth management interrupt enable"),
        B(11, "link_autonomous_bandwidth_interrupt_enable", "Link autonomous bandwidth interrupt enable"),
        B(12, "sris_clocking", "SRIS clocking"),
        B(13, "flit_mode_disable", "Flit mode disable"),
        B(14, "drs_signaling_control", "DRS signaling control", 2))),
    _reg("link_status", "Link status", 2, (
        B(0, "current_link_speed", "Current link speed", 4, LINK_SPEEDS),
        B(4, "negotiated_link_width", "Negotiated link width", 6),
        B(11, "link_training", "Link training"),
        B(12, "slot_clock_configuration", "Slot clock configuration"),
        B(13, "data_link_layer_link_active", "Data link layer link active"),
        B(14, "link_bandwidth_management_status", "Link bandwidth management status"),
        B(15, "link_autonomous_bandwidth_status", "Link autonomous bandwidth status"))),
    _reg("slot_capabilities", "Slot capabilities", 4, (
        B(0, "attention_button_present", "Attention button present"),
        B(1, "power_controller_present", "Power controller present"),
        B(2, "mrl_sensor_present", "MRL sensor present"),
        B(3, "attention_indicator_present", "Attention indicator present"),
        B(4, "power_indicator_present", "Power indicator present"),
        B(5, "hot_plug_surprise", "Hot-plug surprise"),
        B(6, "hot_plug_capable", "Hot-plug capable"),
        B(7, "slot_power_limit_value", "Slot power limit value", 8),
        B(15, "slot_power_limit_scale", "Slot power limit scale", 2),
        B(17, "electromechanical_interlock_present", "Electromechanical interlock present"),
        B(18, "no_command_completed_support", "No command completed support"),
        B(19, "physical_slot_number", "Physical slot number", 13))),
    _reg("slot_control", "Slot control", 2, (
        B(0, "attention_button_pressed_enable", "Attention button pressed enable"),
        B(1, "power_fault_detected_enable", "Power fault detected enable"),
        B(2, "mrl_sensor_changed_enable", "MRL sensor changed enable"),
        B(3, "presence_detect_changed_enable", "Presence detect changed enable"),
        B(4, "command_completed_interrupt_enable", "Command completed interrupt enable"),
        B(5, "hot_plug_interrupt_enable", "Hot-plug interrupt enable"),
        B(6, "attention_indicator_control", "Attention indicator control", 2),
        B(8, "power_indicator_control", "Power indicator control", 2),
        B(10, "power_controller_control", "Power controller control"),
        B(11, "electromechanical_interlock_control", "Electromechanical interlock control"),
        B(12, "data_link_layer_state_changed_enable", "DLL state changed enable"),
        B(13, "auto_slot_power_limit_disable", "Auto slot power limit disable"),
        B(14, "in_band_pd_disable", "In-band PD disable"))),
    _reg("slot_status", "Slot status", 2, (
        B(0, "attention_button_pressed", "Attention button pressed"),
        B(1, "power_fault_detected", "Power fault detected"),
        B(2, "mrl_sensor_changed", "MRL sensor changed"),
        B(3, "presence_detect_changed", "Presence detect changed"),
        B(4, "command_completed", "Command completed"),
        B(5, "mrl_sensor_state", "MRL sensor state"),
        B(6, "presence_detect_state", "Presence detect state"),
        B(7, "electromechanical_interlock_status", "Electromechanical interlock status"),
        B(8, "data_link_layer_state_changed", "Data link layer state changed"))),
    _reg("root_control", "Root control", 2, (
        B(0, "system_error_on_correctable_error_enable", "System error on correctable error enable"),
        B(1, "system_error_on_non_fatal_error_enable", "System error on non-fatal error enable"),
        B(2, "system_error_on_fatal_error_enable", "System error on fatal error enable"),
        B(3, "pme_interrupt_enable", "PME interrupt enable"),
        B(4, "configuration_rrs_software_visibility_enable", "Configuration RRS software visibility enable"),
        B(5, "no_nfm_subtree_below_this_root_port", "No NFM subtree below this root port"))),
    _reg("root_capabilities", "Root capabilities", 2, (
        B(0, "configuration_rrs_software_visibility", "Configuration RRS software visibility"),)),
    _reg("root_status", "Root status", 4, (
        B(0, "pme_requester_id", "PME requester ID", 16),
        B(16, "pme_status", "PME status"),
        B(17, "pme_pending", "PME pending"))),
    _reg("device_capabilities2", "Device capabilities 2", 4, (
        B(0, "completion_timeout_ranges_supported", "Completion timeout ranges supported", 4),
        B(4, "completion_timeout_disable_supported", "Completion timeout disable supported"),
        B(5, "ari_forwarding_supported", "ARI forwarding supported"),
        B(6, "atomic_op_routing_supported", "AtomicOp routing supported"),
        B(7, "atomicop_32_bit_completer_supported", "32-bit AtomicOp completer supported"),
        B(8, "atomicop_64_bit_completer_supported", "64-bit AtomicOp completer supported"),
        B(9, "cas_128_bit_completer_supported", "128-bit CAS completer supported"),
        B(10, "no_ro_enabled_pr_pr_passing", "No RO-enabled PR-PR passing"),
        B(11, "ltr_mechanism_supported", "LTR mechanism supported"),
        B(12, "tph_completer_supported", "TPH completer supported", 2),
        B(16, "ten_bit_tag_completer_supported", "10-bit tag completer supported"),
        B(17, "ten_bit_tag_requester_supported", "10-bit tag requester supported"),
        B(18, "obff_supported", "OBFF supported", 2),
        B(20, "extended_fmt_field_supported", "Extended Fmt field supported"),
        B(21, "end_end_tlp_prefix_supported", "End-end TLP prefix supported"),
        B(22, "max_end_end_tlp_prefixes", "Max end-end TLP prefixes", 2),
        B(24, "emergency_power_reduction_supported", "Emergency power reduction supported", 2),
        B(26, "emergency_power_reduction_init_required", "Emergency power reduction initialization required"),
        B(28, "dmwr_completer_supported", "DMWr completer supported"),
        B(29, "dmwr_lengths_supported", "DMWr lengths supported", 2),
        B(31, "frs_supported", "FRS supported"))),
    _reg("device_control2", "Device control 2", 2, (
        B(0, "completion_timeout_value", "Completion timeout value", 4),
        B(4, "completion_timeout_disable", "Completion timeout disable"),
        B(5, "ari_forwarding_enable", "ARI forwarding enable"),
        B(6, "atomicop_requester_enable", "AtomicOp requester enable"),
        B(7, "atomicop_egress_blocking", "AtomicOp egress blocking"),
        B(8, "ido_request_enable", "IDO request enable"),
        B(9, "ido_completion_enable", "IDO completion enable"),
        B(10, "ltr_mechanism_enable", "LTR mechanism enable"),
        B(11, "emergency_power_reduction_request", "Emergency power reduction request"),
        B(12, "ten_bit_tag_requester_enable", "10-bit tag requester enable"),
        B(13, "obff_enable", "OBFF enable", 2),
        B(15, "end_end_tlp_prefix_blocking", "End-end TLP prefix blocking"))),
    _reg("device_status2", "Device status 2", 2),
    _reg("link_capabilities2", "Link capabilities 2", 4, (
        B(1, "supported_link_speeds", "Supported link speeds vector", 7),
        B(8, "crosslink_supported", "Crosslink supported"),
        B(9, "lower_skp_os_generation_supported", "Lower SKP OS generation supported speeds", 7),
        B(16, "lower_skp_os_reception_supported", "Lower SKP OS reception supported speeds", 7),
        B(23, "retimer_presence_detect_supported", "Retimer presence detect supported"),
        B(24, "two_retimers_presence_detect_supported", "Two retimers presence detect supported"),
        B(31, "drs_supported", "DRS supported"))),
    _reg("link_control2", "Link control 2", 2, (
        B(0, "target_link_speed", "Target link speed", 4, LINK_SPEEDS),
        B(4, "enter_compliance", "Enter compliance"),
        B(5, "hardware_autonomous_speed_disable", "Hardware autonomous speed disable"),
        B(6, "selectable_de_emphasis", "Selectable de-emphasis"),
        B(7, "transmit_margin", "Transmit margin", 3),
        B(10, "enter_modified_compliance", "Enter modified compliance"),
        B(11, "compliance_sos", "Compliance SOS"),
        B(12, "compliance_preset_de_emphasis", "Compliance preset/de-emphasis", 4))),
    _reg("link_status2", "Link status 2", 2, (
        B(0, "current_de_emphasis_level", "Current de-emphasis level"),
        B(1, "equalization_8gts_complete", "Equalization 8.0 GT/s complete"),
        B(2, "equalization_8gts_phase1_successful", "Equalization 8.0 GT/s phase 1 successful"),
        B(3, "equalization_8gts_phase2_successful", "Equalization 8.0 GT/s phase 2 successful"),
        B(4, "equalization_8gts_phase3_successful", "Equalization 8.0 GT/s phase 3 successful"),
        B(5, "link_equalization_request_8gts", "Link equalization request 8.0 GT/s"),
        B(6, "retimer_presence_detected", "Retimer presence detected"),
        B(7, "two_retimers_presence_detected", "Two retimers presence detected"),
        B(8, "crosslink_resolution", "Crosslink resolution", 2),
        B(10, "flit_mode_status", "Flit mode status"),
        B(12, "downstream_component_presence", "Downstream component presence", 3),
        B(15, "drs_message_received", "DRS message received"))),
    _reg("slot_capabilities2", "Slot capabilities 2", 4),
    _reg("slot_control2", "Slot control 2", 2),
    _reg("slot_status2", "Slot status 2", 2),
])
assert CAPABILITY.size == 60
PCIE_CAPABILITY_ID = 0x10

# -- AER extended capability (capability ID 0x0001) ---------------------------------------------------
UNCORRECTABLE_ERRORS = (
    (0, "undefined", "Undefined (bit 0)"),
    (4, "data_link_protocol_error", "Data Link Protocol Error"),
    (5, "surprise_down_error", "Surprise Down Error"),
    (12, "poisoned_tlp_received", "Poisoned TLP Received"),
    (13, "flow_control_protocol_error", "Flow Control Protocol Error"),
    (14, "completion_timeout", "Completion Timeout"),
    (15, "completer_abort", "Completer Abort"),
    (16, "unexpected_completion", "Unexpected Completion"),
    (17, "receiver_overflow", "Receiver Overflow"),
    (18, "malformed_tlp", "Malformed TLP"),
    (19, "ecrc_error", "ECRC Error"),
    (20, "unsupported_request_error", "Unsupported Request Error"),
    (21, "acs_violation", "ACS Violation"),
    (22, "uncorrectable_internal_error", "Uncorrectable Internal Error"),
    (23, "mc_blocked_tlp", "MC Blocked TLP"),
    (24, "atomicop_egress_blocked", "AtomicOp Egress Blocked"),
    (25, "tlp_prefix_blocked_error", "TLP Prefix Blocked Error"),
    (26, "poisoned_tlp_egress_blocked", "Poisoned TLP Egress Blocked"),
    (27, "dmwr_request_egress_blocked", "DMWr Request Egress Blocked"),
    (28, "ide_check_failed", "IDE Check Failed"),
    (29, "misrouted_ide_tlp", "Misrouted IDE TLP"),
    (30, "pcrc_check_failed", "PCRC Check Failed"),
    (31, "tlp_translation_egress_blocked", "TLP Translation Egress Blocked"),
)
CORRECTABLE_ERRORS = (
    (0, "receiver_error", "Receiver Error"),
    (6, "bad_tlp", "Bad TLP"),
    (7, "bad_dllp", "Bad DLLP"),
    (8, "replay_num_rollover", "REPLAY_NUM Rollover"),
    (12, "replay_timer_timeout", "Replay Timer Timeout"),
    (13, "advisory_non_fatal_error", "Advisory Non-Fatal Error"),
    (14, "corrected_internal_error", "Corrected Internal Error"),
    (15, "header_log_overflow", "Header Log Overflow"),
)


def _error_bits(table, meaning: str) -> tuple[Bits, ...]:
    return tuple(B(bit, name, label, meaning=meaning) for bit, name, label in table)


AER_HEAD = Layout("aer", [
    _reg("capability_header", "AER extended capability header", 4, (
        B(0, "capability_id", "Capability ID", 16), B(16, "capability_version", "Version", 4),
        B(20, "next_capability_offset", "Next capability offset", 12))),
    _reg("uncorrectable_error_status", "Uncorrectable error status", 4,
         _error_bits(UNCORRECTABLE_ERRORS, "Set: the error was detected")),
    _reg("uncorrectable_error_mask", "Uncorrectable error mask", 4,
         _error_bits(UNCORRECTABLE_ERRORS, "Set: the error is not reported")),
    _reg("uncorrectable_error_severity", "Uncorrectable error severity", 4,
         _error_bits(UNCORRECTABLE_ERRORS, "Set: fatal; clear: non-fatal")),
    _reg("correctable_error_status", "Correctable error status", 4,
         _error_bits(CORRECTABLE_ERRORS, "Set: the error was detected")),
    _reg("correctable_error_mask", "Correctable error mask", 4,
         _error_bits(CORRECTABLE_ERRORS, "Set: the error is not reported")),
    _reg("advanced_error_capabilities_and_control", "Advanced error capabilities and control", 4, (
        B(0, "first_error_pointer", "First error pointer", 5),
        B(5, "ecrc_generation_capable", "ECRC generation capable"),
        B(6, "ecrc_generation_enable", "ECRC generation enable"),
        B(7, "ecrc_check_capable", "ECRC check capable"),
        B(8, "ecrc_check_enable", "ECRC check enable"),
        B(9, "multiple_header_recording_capable", "Multiple header recording capable"),
        B(10, "multiple_header_recording_enable", "Multiple header recording enable"),
        B(11, "tlp_prefix_log_present", "TLP prefix log present"),
        B(12, "completion_timeout_prefix_header_log_capable", "Completion timeout prefix/header log capable"),
        B(13, "header_log_size", "Header log size", 5),
        B(18, "logged_tlp_was_flit_mode", "Logged TLP was flit mode"),
        B(19, "logged_tlp_size", "Logged TLP size", 5))),
    Field("header_log_0", "Header log DW0", 4, "hex"),
    Field("header_log_1", "Header log DW1", 4, "hex"),
    Field("header_log_2", "Header log DW2", 4, "hex"),
    Field("header_log_3", "Header log DW3", 4, "hex"),
    _reg("root_error_command", "Root error command", 4, (
        B(0, "correctable_error_reporting_enable", "Correctable error reporting enable"),
        B(1, "non_fatal_error_reporting_enable", "Non-fatal error reporting enable"),
        B(2, "fatal_error_reporting_enable", "Fatal error reporting enable"))),
    _reg("root_error_status", "Root error status", 4, (
        B(0, "err_cor_received", "ERR_COR received"),
        B(1, "multiple_err_cor_received", "Multiple ERR_COR received"),
        B(2, "err_fatal_nonfatal_received", "ERR_FATAL/NONFATAL received"),
        B(3, "multiple_err_fatal_nonfatal_received", "Multiple ERR_FATAL/NONFATAL received"),
        B(4, "first_uncorrectable_fatal", "First uncorrectable fatal"),
        B(5, "non_fatal_error_messages_received", "Non-fatal error messages received"),
        B(6, "fatal_error_messages_received", "Fatal error messages received"),
        B(7, "err_cor_subclass", "ERR_COR subclass", 2),
        B(27, "advanced_error_interrupt_message_number", "Advanced error interrupt message number", 5))),
    _reg("error_source_id", "Error source identification", 4, (
        B(0, "err_cor_source_identification", "ERR_COR source ID", 16),
        B(16, "err_fatal_nonfatal_source_identification", "ERR_FATAL/NONFATAL source ID", 16))),
])
assert AER_HEAD.size == 56
AER_TLP_PREFIX = Layout("aer_tlp_prefix", [Field(f"tlp_prefix_log_{i}", f"TLP prefix log DW{i}", 4, "hex")
                                           for i in range(4)])
AER_FLIT_HEADER = Layout("aer_flit_header", [Field(f"flit_header_log_{i}", f"Flit-mode header log DW{i}",
                                                   4, "hex") for i in range(10)])
AER_SIZE = 96
AER_CAPABILITY_ID = 0x0001

# The Error Source Identification register (PCIe Base Spec, AER capability offset 0x34; root
# ports and root complex event collectors only) holds the requester ID (bus 15:8, device 7:3,
# function 2:0) of the function whose message the Root Error Status says was received:
# (source-ID bits, Root Error Status "received" bit, message, JSON key of the address).
SOURCE_IDS = (("err_cor_source_identification", 0, "ERR_COR", "err_cor_source_bdf"),
              ("err_fatal_nonfatal_source_identification", 2, "ERR_FATAL/NONFATAL",
               "err_fatal_nonfatal_source_bdf"))
ROOT_ERROR_STATUS_OFFSET = 48  # in the AER block; the source IDs follow at 52


def requester_id(rid: int) -> str:
    """A PCIe requester ID as ``BB:DD.F`` (hex, the one number style of PCI addresses)."""
    return f"{rid >> 8 & 0xFF:02X}:{rid >> 3 & 0x1F:02X}.{rid & 7:X}"


def _source_id_node(root_status: int | None):
    """The Error Source Identification register, each ID shown as an address, and a stale one
    (its message's "received" bit clear in Root Error Status) said so."""
    def make(f: Field, value: int, offset: int) -> FieldNode:
        stale = {name: root_status is not None and not root_status >> bit & 1
                 for name, bit, _message, _key in SOURCE_IDS}

        def text() -> str:
            parts = []
            for name, _bit, message, _key in SOURCE_IDS:
                rid = value >> (16 if "fatal" in name else 0) & 0xFFFF
                if rid or not stale[name]:  # (a zero ID of a message not received says nothing)
                    parts.append(f"{message} source {requester_id(rid)}"
                                 + (f", not current: {message} received is clear" if stale[name] else ""))
            return f"0x{value:08X}" + (f" ({'; '.join(parts)})" if parts else "")
        bits = bit_children(f.bits, value, offset, f.size, f.reserved_mask)

        def children(parent: FieldNode) -> list[FieldNode]:
            made = bits(parent)
            for child in made:
                if child.name in stale:
                    child.display = f"{requester_id(child.value)} (0x{child.value:04X})" + (
                        "; its message's received bit is clear, so it names no current sender"
                        if stale[child.name] else "")
            return made
        return FieldNode(f.name, f.label, value, None, offset, f.size, kind=f.kind,
                         description=f.description, make_children=children, fmt=text, spec=f)
    return make


_REG_HOOKS_CAP = {f.name: register_node for f in CAPABILITY.fields}
_REG_HOOKS_AER = {f.name: register_node for f in AER_HEAD.fields if f.bits}
_HEADER_LOGS = tuple(f"header_log_{i}" for i in range(4))  # written as one list


def decode_capability(ctx: SectionContext, parent: FieldNode, offset: int, *, valid: bool,
                      name: str = "capability_structure", label: str = "PCIe capability structure"
                      ) -> dict[str, Any]:
    """The 60-byte capability structure at ``offset`` (partial when the body ends inside it)."""
    if offset >= ctx.end:
        return {}
    node = struct_node(parent, name, label, offset, min(CAPABILITY.size, ctx.end - offset),
                       description="Copy of the device's PCI Express capability structure")
    _mark(node, valid)
    values = decode_fields(ctx, CAPABILITY, offset, node, hooks=_REG_HOOKS_CAP)
    return layout_json(CAPABILITY, values)


def decode_aer(ctx: SectionContext, parent: FieldNode, offset: int, *, valid: bool) -> dict[str, Any]:
    """The 96-byte AER extended capability at ``offset`` (partial when the body ends inside it)."""
    if offset >= ctx.end:
        return {}
    node = struct_node(parent, "aer_info", "AER extended capability", offset,
                       min(AER_SIZE, ctx.end - offset),
                       description="Copy of the device's Advanced Error Reporting capability")
    _mark(node, valid)
    status_at = offset + ROOT_ERROR_STATUS_OFFSET
    root_status = int.from_bytes(ctx.data[status_at:status_at + 4], "little") \
        if status_at + 4 <= ctx.end else None
    values = decode_fields(ctx, AER_HEAD, offset, node,
                           hooks={**_REG_HOOKS_AER, "error_source_id": _source_id_node(root_status)})
    # the header log is one list, after the other registers (where it has always been)
    out = log_json(AER_HEAD, values, "header_log", _HEADER_LOGS,
                    order=[f.name for f in AER_HEAD.fields if f.name not in _HEADER_LOGS])
    source = out.get("error_source_id")
    if isinstance(source, dict):  # each ID as an address, only for a message that was received:
        for name, bit, _message, key in SOURCE_IDS:  # a left-over ID names no current sender
            if isinstance(source.get(name), int):
                received = root_status is not None and root_status >> bit & 1
                source[key] = requester_id(source[name]) if received else None
    flit = values.get("advanced_error_capabilities_and_control", 0) >> 18 & 1
    tail = offset + AER_HEAD.size
    if flit:
        tv = decode_fields(ctx, AER_FLIT_HEADER, tail, node)
        out.update(log_json(AER_FLIT_HEADER, tv, "flit_header_log"))
    else:
        tv = decode_fields(ctx, AER_TLP_PREFIX, tail, node)
        out.update(log_json(AER_TLP_PREFIX, tv, "tlp_prefix_log"))
        rest = tail + AER_TLP_PREFIX.size
        if rest < ctx.end:
            n = min(AER_SIZE - AER_HEAD.size - AER_TLP_PREFIX.size, ctx.end - rest)
            raw = ctx.data[rest:rest + n]
            node.add(FieldNode("reserved", "Reserved (flit-mode header log space)", raw,
                               raw.hex(" ").upper(), rest, n, kind="bytes"))
    return out


def log_json(layout: Layout, values: dict[str, Any], key: str, logs: tuple[str, ...] = (),
              order: Sequence[str] = ()) -> dict[str, Any]:
    """``layout``'s JSON with its DWORD log fields (``logs``, else all) as one list under ``key``,
    made when the first of them is present."""
    logs = logs or tuple(f.name for f in layout.fields)
    return layout_json(layout, values, keys={logs[0]: key}, omit=logs[1:], order=order,
                       convert={logs[0]: lambda _first: [values[n] for n in logs if n in values]})


def _mark(node: FieldNode, valid: bool) -> None:
    if not valid:
        node.valid = False
        node.display = "(not valid)"


def uncorrectable_names(status: int, mask: int = 0) -> list[str]:
    return [label for bit, _n, label in UNCORRECTABLE_ERRORS if status >> bit & 1 and not mask >> bit & 1]


def correctable_names(status: int, mask: int = 0) -> list[str]:
    return [label for bit, _n, label in CORRECTABLE_ERRORS if status >> bit & 1 and not mask >> bit & 1]


def register_value(block: dict, name: str) -> int:
    """A register's number in a decoded block (``{"value": N, ...bits}`` or N); 0 when absent."""
    value = block.get(name)
    value = value.get("value", 0) if isinstance(value, dict) else value
    return value if isinstance(value, int) else 0
