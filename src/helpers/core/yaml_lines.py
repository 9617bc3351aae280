"""Where a value sits in a YAML file: the line that error messages name (file:line)."""

from __future__ import annotations

import yaml


def yaml_line(text: str, keys: tuple[str | int, ...]) -> int | None:
    """1-based line of the value at ``keys`` in a YAML document (the deepest one found)."""
    node = yaml.compose(text)
    line = None
    for key in keys:
        if isinstance(node, yaml.MappingNode):
            match = next(((k, v) for k, v in node.value if k.value == str(key)), None)
            if match is None:
                break
            line, node = match[0].start_mark.line + 1, match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line + 1
        else:
            break
    return line
