"""YAML loading that remembers the line of every mapping key and list item, for error reports."""

from __future__ import annotations

import yaml

from kb.errors import Problem


class Mapping(dict):
    """A dict that knows the line of itself and of each of its keys."""

    line: int = 0
    key_lines: dict


class Sequence(list):
    """A list that knows the line of itself and of each item."""

    line: int = 0
    item_lines: list


class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when built with it
    def construct_mapping(self, node, deep=False):
        data = Mapping(super().construct_mapping(node, deep=True))
        data.line = node.start_mark.line + 1
        data.key_lines = {
            self.construct_object(k, deep=True): k.start_mark.line + 1 for k, _ in node.value
        }
        return data

    def construct_sequence(self, node, deep=False):
        data = Sequence(super().construct_sequence(node, deep=True))
        data.line = node.start_mark.line + 1
        data.item_lines = [item.start_mark.line + 1 for item in node.value]
        return data


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _LineLoader.construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _LineLoader.construct_sequence)


def parse_yaml(text: str, path: str, first_line: int = 1):
    """Parse YAML text; raise a list of one Problem (with its line) if it is not valid YAML."""
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + first_line if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise YAMLProblem(Problem(path, line, f"invalid YAML: {problem}")) from exc


class YAMLProblem(Exception):
    """A YAML syntax error, located."""

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(str(problem))


def line_of(data, path) -> int | None:
    """Return the line of the node at `path` (keys and indexes), or of its nearest parent."""
    line = getattr(data, "line", None)
    node = data
    for step in path:
        if isinstance(node, Mapping) and step in node:
            line = node.key_lines.get(step, line)
            node = node[step]
        elif isinstance(node, Sequence) and isinstance(step, int) and step < len(node):
            line = node.item_lines[step]
            node = node[step]
        else:
            break
    return line
