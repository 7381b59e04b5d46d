"""When a section's own error information rates the error differently from the record.

Two sources: a severity word in the section's own sentence (the detail, e.g. an ARM error
information's "uncorrected"), and the registers ``own_status`` reads (MCi_STATUS.UC/PCC of a
valid machine-check bank, IA32/X64 check information, Memory Error 2 Status). The record's
severity stays the one the headline and the advice follow (one severity per record, the rule
the ARM detail caveat set), but when the section says *worse* than a Corrected or
Informational record, nothing may claim that the hardware fixed the error: the severity
statement says the record contradicts itself instead of "no data was lost", the first advice
asks whether the system stopped, and a caveat names the registers. Rules (rules.py) wrap the
(text, cites) pairs made here into statements.
"""

from __future__ import annotations

import re

from .facts import Facts
from .location import unique
from .tables import SEVERITY_WORD

# Severity words a section's own sentence may use, and the record severities each agrees with.
DETAIL_SEVERITY = {"fatal": {1}, "recoverable": {0}, "corrected": {2}, "uncorrected": {0, 1},
                   "informational": {3}, "uncorrectable": {0, 1}, "correctable": {2}}
LESS = (2, 3)  # Corrected, Informational: a record saying the hardware fixed it, or no error
WORSE_WORDS = ("fatal", "recoverable", "uncorrected", "uncorrectable")
MAX_NAMED = 4  # registers named in one sentence


def detail_words(f: Facts) -> list[str]:
    """The severity words of the detail that disagree with the record's severity."""
    if f.what is None or f.severity is None:
        return []
    said = []
    for word in re.findall(r"(?:[Nn]on-|[Nn]ot )?[A-Za-z]+", f.what.value):
        w = word.lower()  # "non-recoverable", "Non-Fatal" and "not corrected" are not severity claims
        if w in DETAIL_SEVERITY and f.severity not in DETAIL_SEVERITY[w] and w not in said:
            said.append(w)
    known = {SEVERITY_WORD[sev].lower() for _, sev, _ in f.worse_sections}
    return [w for w in said if w not in known]  # already reconciled by the section caveat


def worse_claims(f: Facts) -> list:
    """Registers saying uncorrected / context corrupt in a record marked Corrected or
    Informational (in a Fatal or Recoverable record they agree with it)."""
    return list(f.own_claims) if f.severity in LESS else []


def worse_words(f: Facts) -> list[str]:
    """Everything the section's own information says that is worse than the record's severity."""
    if f.severity not in LESS:
        return []
    words = [w for w in detail_words(f) if w in WORSE_WORDS]
    for c in worse_claims(f):
        words += [w for w in c.words if w not in words]
    return words


def pcc_claims(f: Facts) -> list:
    """Registers saying processor context corrupt in a record marked Recoverable: the processor
    state may not have allowed execution to go on (Intel SDM vol. 3B, PCC; the UCR classes
    SRAR/SRAO require PCC = 0), so the record cannot show that the error was contained."""
    return [c for c in f.own_claims if "processor context corrupt" in c.words] if f.severity == 0 else []


def _pcc_whose(claims: list) -> str:
    indices = sorted({c.index for c in claims})
    return ("the sections' own error information" if len(indices) > 1
            else f"section {indices[0]}'s own error information")


def recoverable_pcc_text(f: Facts) -> tuple[str, list[str]] | None:
    """The severity statement of a Recoverable record whose registers say context corrupt."""
    claims = pcc_claims(f)
    if not claims:
        return None
    text = (f"Recoverable, as the record marks it: the hardware could not fix the error; but "
            f"{_pcc_whose(claims)} says processor context corrupt, so the processor may not have been "
            "able to continue safely: the record does not show that the error was contained.")
    return text, unique(list(f.severity_cites) + [p for c in claims[:MAX_NAMED] for p in c.cites])


def recoverable_pcc_advice(f: Facts) -> tuple[str, list[str]] | None:
    claims = pcc_claims(f)
    if not claims:
        return None
    whose = _pcc_whose(claims)
    text = (f"{whose[0].upper()}{whose[1:]} says processor context corrupt although the record is "
            "marked Recoverable: check whether the system stopped or restarted at this time; if it "
            "did, treat the error as fatal.")
    return text, unique(list(f.severity_cites) + [p for c in claims[:MAX_NAMED] for p in c.cites])


def _quoted(words: list[str]) -> str:
    return " and ".join(f"“{w}”" for w in words)


def _plain(words: list[str]) -> str:
    return " and ".join(words)


def _whose(f: Facts) -> str:
    indices = sorted({c.index for c in worse_claims(f)})
    if len(indices) > 1:
        return "the sections' own error information"
    index = indices[0] if indices else (f.lead.index if f.lead is not None else 0)
    return f"section {index}'s own error information"


def _cites(f: Facts) -> list[str]:
    cites = list(f.severity_cites) + (list(f.what.cites) if detail_words(f) and f.what else [])
    claims = worse_claims(f) or list(f.own_corrected)  # (the registers the caveat names)
    return unique(cites + [p for c in claims[:MAX_NAMED] for p in c.cites])


def severity_text(f: Facts) -> tuple[str, list[str]] | None:
    """The severity statement when the section says worse: no "the hardware fixed it"."""
    words = worse_words(f)
    if not words:
        return None
    whose = _whose(f)
    if f.severity == 2:
        text = (f"Corrected, as the record marks it; but {whose} says {_plain(words)}, so the record "
                "contradicts itself: whether the hardware fixed the error, and whether data was lost, "
                "is not established.")
    else:
        text = (f"Informational, as the record marks it; but {whose} says {_plain(words)}, so the "
                "record contradicts itself: it may report an error, not only a status.")
    return text, _cites(f)


def advice_text(f: Facts) -> tuple[str, list[str]] | None:
    """The first advice when the section says worse: find out whether it was corrected."""
    words = worse_words(f)
    if not words:
        return None
    whose = _whose(f)
    text = (f"{whose[0].upper()}{whose[1:]} says {_plain(words)} although the record is marked "
            f"{SEVERITY_WORD[f.severity]}: check whether the system stopped or restarted at this "
            "time; if it did, treat the error as uncorrected.")
    return text, _cites(f)


def caveat(f: Facts) -> tuple[str, list[str]] | None:
    """One severity per record: when the section's own information (its sentence or its
    registers) rates the error differently from the record, say so where the reader sees it."""
    words = detail_words(f)
    if not f.own_corrected and _several_structures(f):
        # the sentence describes one error-information structure; "corrected" of it is no claim
        # of the section when another structure states nothing (N9-6: a false caveat)
        words = [w for w in words if w not in ("corrected", "correctable")]
    claims = worse_claims(f) or list(f.own_corrected)  # (own_corrected: never beside worse ones)
    for c in claims:
        words += [w for w in c.words if w not in words]
    if not words:
        return None
    named = [f"section {c.index}, {c.register}" for c in claims[:MAX_NAMED]]
    if len(claims) > MAX_NAMED:
        named.append(f"{len(claims) - MAX_NAMED} more")
    where = f" ({'; '.join(named)})" if named else ""
    whose = "The sections' own" if len({c.index for c in claims}) > 1 else "The section's own"
    text = (f"{whose} error information says {_quoted(words)}{where}, but the record is "
            f"marked {f.severity_word}: the headline and the advice follow the record's severity.")
    if worse_words(f):
        text += " Whether the error was really corrected is not established."
    return text, _cites(f)


def _several_structures(f: Facts) -> bool:
    fields = f.lead.fields if f.lead is not None and isinstance(f.lead.fields, dict) else {}
    infos = fields.get("error_info")
    return isinstance(infos, list) and len(infos) > 1


def extended_banks_text(f: Facts) -> tuple[str, list[str]] | None:
    """XPF MCA version 4/5 extended banks holding valid uncorrected or context-corrupt errors:
    the headline names only the section's main bank, so these are named here."""
    banks = [c for c in f.own_claims if c.extended]
    if not banks:
        return None
    told = [f"section {c.index}, {c.register}: {_plain(c.words)} ({c.detail})"
            for c in banks[:MAX_NAMED]]
    if len(banks) > MAX_NAMED:
        told.append(f"{len(banks) - MAX_NAMED} more")
    text = ("Extended machine-check banks of the record hold valid errors that the headline does "
            "not name: " + "; ".join(told) + ".")
    return text, unique(p for c in banks[:MAX_NAMED] for p in c.cites)
