"""The one YAML reader of the project's own files (params.yaml, codebooks): strict.

YAML as PyYAML's ``safe_load`` reads it accepts more than these files need, and
some of it silently or dangerously: a key written twice keeps the last value
(DVC, which reads params.yaml too, refuses the file); an alias (``*a``) repeats
a node, so a few lines of nested aliases expand to billions of values when
anything walks them (an "alias bomb"); an explicit tag (``!!python/object``)
asks for a type. This reader refuses each of them at its line, before any value
is built or expanded, and reads the bytes as UTF-8 only, naming the first byte
that is not. Every refusal is a :class:`YamlError` of the project's form,
``<file>:<line>: expected <what>; found <what>``.
"""

from __future__ import annotations

import codecs
from typing import Any, NoReturn

import yaml
from yaml.reader import ReaderError

from helpers.core.errors import SourceError
from helpers.core.text import line_at

_CORE = "tag:yaml.org,2002:"
# Explicit tags a value may carry: the JSON-like core types (``!!str 1`` quotes a
# number) and the non-specific ``!``; any other (``!!python/...``, ``!!binary``,
# ``!!set``, ``!custom``) is refused.
ALLOWED_TAGS = frozenset(
    {"!", *(_CORE + t for t in ("str", "int", "float", "bool", "null", "map", "seq"))}
)
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32 (little-endian)"),
    (codecs.BOM_UTF32_BE, "UTF-32 (big-endian)"),
    (codecs.BOM_UTF16_LE, "UTF-16 (little-endian)"),
    (codecs.BOM_UTF16_BE, "UTF-16 (big-endian)"),
)
UTF8 = "text encoded as UTF-8"


class YamlError(SourceError):
    """A YAML file the project refuses: ``<file>:<line>: expected <what>; found <what>``."""


class _Refused(Exception):
    """Raised inside the loader; :func:`load_yaml` adds the file's name."""

    def __init__(self, mark: Any, expected: str, found: str) -> None:
        super().__init__(found)
        self.line = mark.line + 1 if mark is not None else None
        self.expected = expected
        self.found = found


def _short(tag: str) -> str:
    return "!!" + tag[len(_CORE) :] if tag.startswith(_CORE) else tag


class StrictLoader(yaml.SafeLoader):
    """SafeLoader refusing aliases, explicit tags, merge keys and repeated keys."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        """Refuse an alias where it is met (before anything expands it), and explicit tags."""
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            anchor = self.anchors.get(event.anchor)
            at = (
                f" (its anchor &{event.anchor} is at line {anchor.start_mark.line + 1})"
                if anchor is not None
                else ""
            )
            raise _Refused(
                event.start_mark,
                "no YAML aliases (write each value out where it is used)",
                f"alias *{event.anchor}{at}",
            )
        tag = getattr(event, "tag", None)
        if tag is not None and tag not in ALLOWED_TAGS:
            raise _Refused(
                event.start_mark,
                "plain YAML values (no tag other than "
                f"{', '.join(sorted(_short(t) for t in ALLOWED_TAGS))})",
                f"the tag {_short(tag)!r}",
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        """Refuse a key written twice in one mapping (YAML would keep the last silently)."""
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                line = key_node.start_mark.line + 1
                if key_node.tag == _CORE + "merge":
                    raise _Refused(
                        key_node.start_mark,
                        "each key written out (no merge keys)",
                        "a merge key '<<'",
                    )
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.get(key)
                except TypeError:
                    raise _Refused(
                        key_node.start_mark,
                        "a plain key (text or a number)",
                        f"a {type(key).__name__} used as a key",
                    ) from None
                if first is not None:
                    shown = key_node.value if isinstance(key_node, yaml.ScalarNode) else key
                    raise _Refused(
                        key_node.start_mark,
                        "each key once in a mapping",
                        f"key {shown!r} again (first at line {first}; YAML would "
                        "keep only the last one, silently)",
                    )
                seen[key] = line
        return super().construct_mapping(node, deep=deep)


def decode_utf8(data: bytes, path: str) -> str:
    """The text of a UTF-8 file (a UTF-8 byte-order mark dropped); refuse anything else.

    The error names the line of the first byte that is not UTF-8 and the byte, or
    the byte-order mark of UTF-16/UTF-32, or a NUL byte (UTF-16 without a mark).
    """
    for mark, name in _WIDE_BOMS:
        if data.startswith(mark):
            raise YamlError(
                path,
                1,
                UTF8,
                f"a {name} byte-order mark (bytes {mark.hex(' ')}) "
                f"at byte offset 0: the file is {name.split()[0]}; save it as "
                "UTF-8",
            )
    skip = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        text = data[skip:].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = exc.start + skip
        if 0 <= data.find(b"\x00", 0, offset):  # UTF-16 text is NULs before its first bad byte
            _refuse_nul(data, path)
        bad = data[offset : offset + max(1, exc.end - exc.start)]
        try:
            hint = f" (in cp1252: {bad.decode('cp1252')!r})"
        except UnicodeDecodeError:
            hint = ""
        shown = " ".join(f"0x{b:02x}" for b in bad)
        raise YamlError(
            path,
            line_at(data, offset),
            UTF8,
            f"byte{'s' if len(bad) > 1 else ''} {shown} at byte offset {offset} "
            f"that {'are' if len(bad) > 1 else 'is'} not valid UTF-8{hint}; save the "
            "file as UTF-8",
        ) from None
    if b"\x00" in data:
        _refuse_nul(data, path)
    return text


def _refuse_nul(data: bytes, path: str) -> NoReturn:
    """Refuse a file holding a NUL byte (UTF-16 or UTF-32 without a byte-order mark)."""
    nul = data.find(b"\x00")
    raise YamlError(
        path,
        line_at(data, nul),
        UTF8,
        f"a NUL byte (0x00) at byte offset {nul}: "
        "UTF-16 or UTF-32 without a byte-order mark? save the file as "
        "UTF-8",
    )


def load_yaml(text: str | bytes, path: str) -> Any:
    """One YAML document, strictly (bytes are decoded as UTF-8 first, strictly)."""
    if isinstance(text, bytes):
        text = decode_utf8(text, path)
    loader = None
    try:
        loader = StrictLoader(text)
        return loader.get_single_data()
    except _Refused as exc:
        raise YamlError(path, exc.line, exc.expected, exc.found) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.context_mark or exc.problem_mark
        found = "; ".join(str(p) for p in (exc.context, exc.problem) if p)
        raise YamlError(path, mark.line + 1 if mark else None, "YAML", found) from None
    except ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise YamlError(
            path,
            line,
            "YAML text",
            f"the control character U+{code:04X}, which YAML does not allow",
        ) from None
    except yaml.YAMLError as exc:
        raise YamlError(path, None, "YAML", str(exc)) from None
    finally:
        if loader is not None:
            loader.dispose()
