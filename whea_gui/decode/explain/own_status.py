"""What a section's own error registers say about how bad the error was.

A record's severity is a field the firmware or Windows wrote; the registers the section carries
were written by the hardware and can say otherwise: MCi_STATUS.UC / PCC of an x86 machine-check
bank (XPF MCA, its main bank and its version-4/5 extended banks; AMD's Deferred bit too), the IA32/X64 check
information's Uncorrected / Processor context corrupt bits, the Memory Error 2 Status byte.
Only registers whose own validity is established are read: a bank with MCi_STATUS.VAL clear
holds no error (Intel SDM vol. 3B §16.3.2.2), a check-information bit whose valid bit is clear
is null in the section's fields, and Memory Error 2's Status is null unless its validation bit
(14) is set. The rules (rules.py) compare these claims with the record's severity.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...core.model import DecodedRecord, DecodedSection

# what a Corrected record cannot be; an AMD deferred error (MCA_STATUS[Deferred], bit 44) is an
# uncorrectable error whose data was poisoned and whose handling waits for a consumer (Linux
# does not count it as corrected and takes the page offline)
WORSE = ("uncorrected", "processor context corrupt", "deferred (uncorrected, not yet consumed)")
MAX_CITED = 16  # claims whose fields are looked up (the statements name at most a few)


@dataclass
class Claim:
    """One register set that says the error was uncorrected or the context corrupt."""
    index: int  # section index
    register: str  # "MCi_STATUS of MCA bank 7", "check information of error information 1", ...
    words: list[str]  # a subset of WORSE, in that order
    cites: list[str] = field(default_factory=list)
    extended: bool = False  # an XPF MCA extended bank (StatusEx), not the section's main bank
    detail: str = ""  # an extended bank's error code and address (said nowhere else)


def own_claims(rec: DecodedRecord, skip, *, cites: bool = True) -> list[Claim]:
    """Every claim of every section ``skip(s)`` does not exclude (empty descriptors);
    ``cites=False`` leaves out the tree paths (finding them builds the lazy tree nodes)."""
    out: list[Claim] = []
    for s in rec.sections:
        if skip(s) or not isinstance(s.fields, dict):
            continue
        # a record of 65,535 such sections must not build 65,535 sections' tree nodes
        path = _tree_path if cites and len(out) < MAX_CITED else _no_path
        out += _mca(s, path) + _check_info(s, path) + _memory2_status(s, path)
    return out


def _tree_path(s: DecodedSection, name: str) -> list[str]:
    node = s.body.find(name) if s.body is not None else None
    return [node.path] if node is not None else []


def _no_path(_s: DecodedSection, _name: str) -> list[str]:
    return []


def _mca_words(status) -> list[str]:
    if not isinstance(status, dict) or not status.get("valid"):
        return []  # VAL clear (or no MCA status at all): nothing in the register means anything
    return [w for w, key in zip(WORSE, ("uncorrected", "pcc", "deferred")) if status.get(key)]


def _mca(s: DecodedSection, path) -> list[Claim]:
    f = s.fields
    status = f.get("status")
    # an MCi_STATUS decoded bit by bit (ms_xpf_mca), not another section's "status" number
    if not isinstance(status, dict) or "pcc" not in status:
        return []
    out = []
    words = _mca_words(status)
    if words:
        bits = dict(zip(WORSE, ("uc", "pcc", "deferred")))
        cites = [c for w in words for c in path(s, f"status.{bits[w]}")] or path(s, "status")
        out.append(Claim(s.index, f"MCi_STATUS of MCA bank {f.get('bank_number', '?')}", words, cites))
    main = (f.get("bank_number"), status.get("value"))
    for i, bank in enumerate(f.get("ex_banks") or ()):
        status = bank.get("status") if isinstance(bank, dict) else None
        words = _mca_words(status)
        if not words or (bank.get("bank"), status.get("value")) == main:
            continue  # (a copy of the main bank is said with it)
        detail = f"error code 0x{status['mca_error_code']:04X}: {status['mca_error_text']}"
        cites = path(s, f"status_ex.status_ex_{i}") + path(s, f"bank_number_ex.bank_number_ex_{i}")
        if status.get("addr_valid") and isinstance(bank.get("address"), int):
            detail += f"; MCi_ADDR 0x{bank['address']:X}"
            cites += path(s, f"address_ex.address_ex_{i}")
        out.append(Claim(s.index, f"StatusEx[{i}] of extended MCA bank {bank.get('bank', '?')}", words,
                         cites, extended=True, detail=detail))
    return out


def _check_info(s: DecodedSection, path) -> list[Claim]:
    """IA32/X64 check information (Uncorrected bit) and ARM error information (its Corrected bit
    clear), each with Processor context corrupt: every structure, not only the first."""
    out = []
    for i, info, arm, check in _structures(s.fields):
        # True only when the bit and its own valid bit are both set (null when not valid)
        uncorrected = check.get("corrected") is False if arm else check.get("uncorrected") is True
        words = [w for w, said in zip(WORSE, (uncorrected, check.get("processor_context_corrupt") is True))
                 if said]
        if words:
            names = {"uncorrected": "corrected" if arm else "uncorrected",
                     "processor context corrupt": "processor_context_corrupt"}
            block = "error_information" if arm else "check_info"
            cites = [c for w in words for c in path(s, f"error_info_{i}.{block}.{names[w]}")]
            kind = ("/".join(info.get("type_names") or ()) or "unknown type") if arm \
                else (info.get("type_name") or "unknown check")
            register = (f"ErrorInformation of error-information structure {i}" if arm
                        else f"check information of error information {i}")
            out.append(Claim(s.index, f"{register} ({kind})", words, cites))
    return out


def _structures(fields: dict):
    """(index, structure, is ARM, its check / error information) of each IA32/X64 or ARM
    error-information structure whose check information is decoded (its valid bit set)."""
    infos = fields.get("error_info")
    for i, info in enumerate(infos if isinstance(infos, list) else ()):
        if not isinstance(info, dict):
            continue
        arm = "error_information" in info
        check = info.get("error_information" if arm else "check_info")
        if isinstance(check, dict):
            yield i, info, arm, check


def _memory2_status(s: DecodedSection, path) -> list[Claim]:
    status = s.fields.get("status")
    if not isinstance(status, dict) or status.get("uncorrected") is not True or "state" not in status:
        return []  # (an MCA status has no "state"; Memory Error 2's is null when not valid)
    return [Claim(s.index, "Status byte", ["uncorrected"], path(s, "status.uncorrected"))]


def corrected_claims(s: DecodedSection, *, cites: bool = True) -> list[Claim]:
    """The registers of section ``s`` that say the error was corrected (a valid MCi_STATUS with
    UC, PCC and Deferred clear; check / error information whose Uncorrected or Corrected bit is
    valid and says corrected; Memory Error 2's valid Status saying corrected): a Fatal,
    Recoverable or Informational record with only these says something else than its section
    (audit 7, A7-6). Empty when any of them says worse (that is ``own_claims``' to tell)."""
    f = s.fields if isinstance(s.fields, dict) else None
    if f is None:
        return []
    path = _tree_path if cites else _no_path
    out = []
    status = f.get("status")
    if isinstance(status, dict) and "pcc" in status:
        if status.get("valid") and not (status.get("uncorrected") or status.get("pcc") or status.get("deferred")):
            out.append(Claim(s.index, f"MCi_STATUS of MCA bank {f.get('bank_number', '?')}", ["corrected"],
                             path(s, "status.uc") or path(s, "status")))
    elif isinstance(status, dict) and "state" in status and status.get("uncorrected") is False:
        out.append(Claim(s.index, "Status byte", ["corrected"], path(s, "status.uncorrected")))
    infos = f.get("error_info")
    for i, info in enumerate(infos if isinstance(infos, list) else ()):
        arm = isinstance(info, dict) and "error_information" in info
        check = info.get("error_information" if arm else "check_info") if isinstance(info, dict) else None
        if not isinstance(check, dict):
            return []  # a structure that states nothing may be the worse error (N9-6)
        said = check.get("corrected") if arm else (None if check.get("uncorrected") is None
                                                   else not check["uncorrected"])
        if said is False or check.get("processor_context_corrupt") is True:
            return []  # a structure says worse: not a corrected section
        if said is None:
            return []  # its correction is not stated: the section does not say only corrected
        if said is True:
            block, bit = ("error_information", "corrected") if arm else ("check_info", "uncorrected")
            register = (f"ErrorInformation of error-information structure {i}" if arm
                        else f"check information of error information {i}")
            out.append(Claim(s.index, register, ["corrected"], path(s, f"error_info_{i}.{block}.{bit}")))
    return out
