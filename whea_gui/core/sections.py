"""Registry of section-body decoders keyed by section-type GUID.

Adding a section type is adding one module that calls ``register``. A decoder gets a
``SectionContext`` and adds located children to ``ctx.node``; it returns the JSON-facing
``fields`` dict (snake_case keys) and may set ``ctx.section.summary``. The dispatcher catches any
exception a decoder raises and turns it into an error finding, so a bad body never loses the
record: the bytes stay in the tree as raw data.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass

from .model import ERROR, DecodedRecord, DecodedSection, FieldNode


@dataclass(slots=True)
class SectionContext:
    data: bytes  # the whole record's bytes (offsets below are relative to its start)
    offset: int  # body start
    length: int  # body bytes actually present (declared length clipped to the data)
    declared_length: int
    node: FieldNode  # the body node: add decoded children here
    record: DecodedRecord
    section: DecodedSection
    creator_id: str = ""

    @property
    def end(self) -> int:
        return self.offset + self.length

    @property
    def body(self) -> bytes:
        return self.data[self.offset:self.end]

    def finding(self, level: str, message: str, offset: int | None = None,
                length: int | None = None, code: str = "", node: FieldNode | None = None) -> None:
        """A finding about this section; pass ``node`` when the decoder has the node it judges
        (otherwise the deepest node covering ``offset``/``length`` is chosen after decoding)."""
        off = self.offset if offset is None else offset
        ln = self.length if length is None else length
        prefix = f"Section {self.section.index}: "
        self.record.add_finding(level, prefix + message, off, ln, code, node)


Decoder = Callable[[SectionContext], "dict | None"]
_DECODERS: dict[str, Decoder] = {}
# Decoders for sections no GUID names (e.g. a device driver's own section type): (applies, decoder)
_FALLBACKS: list[tuple[Callable[[SectionContext], bool], Decoder]] = []
_loaded = False


def register(*guid_texts: str) -> Callable[[Decoder], Decoder]:
    """Decorator: ``@register("9876ccad-...")`` makes the function the decoder for those GUIDs."""
    def deco(fn: Decoder) -> Decoder:
        for g in guid_texts:
            _DECODERS[g.lower()] = fn
        return fn
    return deco


def register_fallback(applies: Callable[[SectionContext], bool]) -> Callable[[Decoder], Decoder]:
    """Decorator: the decoder for sections whose type has no decoder, when ``applies(ctx)``."""
    def deco(fn: Decoder) -> Decoder:
        _FALLBACKS.append((applies, fn))
        return fn
    return deco


def _load_plugins() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    try:
        pkg = importlib.import_module(_PLUGINS)
    except ModuleNotFoundError:
        return
    for name in _plugin_names(pkg.__path__):
        importlib.import_module(f"{pkg.__name__}.{name}")


def _plugin_names(paths) -> list[str]:
    """Public module names in the plug-in folders. Read from the folder (pkgutil imports
    ``inspect``, a tenth of ``whea decode``'s start-up); pkgutil only where there is no folder
    (a frozen build keeps modules in an archive)."""
    names: set[str] = set()
    try:
        for path in paths:
            for entry in os.scandir(path):
                stem, dot, ext = entry.name.partition(".")
                if stem.isidentifier() and not stem.startswith("_") and (
                        (dot and ext in ("py", "pyc") and entry.is_file())
                        or (not dot and os.path.isfile(os.path.join(entry.path, "__init__.py")))):
                    names.add(stem)
    except OSError:
        names.clear()
    if not names:
        import pkgutil
        names = {m.name for m in pkgutil.iter_modules(paths) if not m.name.startswith("_")}
    return sorted(names)


def decoder_for(guid: str) -> Decoder | None:
    key = guid.lower()
    found = _DECODERS.get(key)
    if found is not None or _loaded:
        return found
    index = _plugin_index()
    module = index.get(key)
    if module is not None:  # import only the module that decodes this type
        importlib.import_module(f"{_PLUGINS}.{module}")
        found = _DECODERS.get(key)
        if found is not None:
            return found
    elif index:  # the index lists every type a plug-in decodes (a test checks it): none does
        return None
    _load_plugins()
    return _DECODERS.get(key)


def _load_fallbacks() -> None:
    """Import the plug-ins that register fallback decoders (all of them when the plug-in
    package does not list those)."""
    try:
        modules = importlib.import_module(_PLUGINS).FALLBACK_MODULES
    except (ModuleNotFoundError, AttributeError):
        _load_plugins()
        return
    for module in modules:
        importlib.import_module(f"{_PLUGINS}.{module}")


_PLUGINS = "whea_gui.formats.sections"


def _plugin_index() -> dict[str, str]:
    """GUID → plug-in module name, as the plug-in package lists it (empty when it has none)."""
    try:
        return importlib.import_module(_PLUGINS).MODULE_OF_GUID
    except (ModuleNotFoundError, AttributeError):
        return {}


def registered_decoders() -> dict[str, Decoder]:
    """Section type GUID → its decoder (the JSON schema reads which module decodes what)."""
    _load_plugins()
    return dict(_DECODERS)


def fallback_decoders() -> list[Decoder]:
    """The decoders tried for section types without one of their own."""
    _load_plugins()
    return [fn for _applies, fn in _FALLBACKS]


def known_section_types() -> list[str]:
    _load_plugins()
    return sorted(_DECODERS)


def decode_body(ctx: SectionContext) -> None:
    """Run the registered decoder for the section's type; never raises."""
    decoder = decoder_for(ctx.section.type_guid)
    if ctx.length <= 0:
        return
    try:
        if decoder is None:
            _load_fallbacks()  # fallback decoders register when their modules load
            decoder = next((fn for applies, fn in _FALLBACKS if applies(ctx)), None)
            if decoder is None:
                return
        fields = decoder(ctx)
    except Exception as exc:  # a decoder bug must not lose the record
        ctx.finding(ERROR, f"could not be decoded ({type(exc).__name__}: {exc}); shown as raw bytes",
                    code="decoder-failed", node=ctx.node)
        return
    ctx.section.fields = fields
