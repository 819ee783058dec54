"""Citations in the reader's language.

A rule's `source:` names headings of the Chinese documents ("服务计划说明书 / 服务范围包含 / 配置或使用"). Their
English names are data (`rules/sources.yaml`, kind `sources`), each heading written once and applied longest first
wherever it is cited, so a new citation built from known headings needs no new entry; `kb rules check` reports a
citation that still holds Chinese after translation, at its line.
"""

from __future__ import annotations

import re

# Full-width punctuation between and around headings, as English writes it.
_PUNCTUATION = {"；": "; ", "（": " (", "）": ")", "：": ": ", "、": ", ", "，": ", "}
_CHINESE = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")


class SourceNames:
    """The English names of the source documents' headings."""

    def __init__(self, names: dict[str, str]):
        self._names = dict(names)
        keys = sorted(self._names, key=len, reverse=True) + list(_PUNCTUATION)
        self._pattern = re.compile("|".join(map(re.escape, keys))) if keys else None

    def english(self, source: str) -> str | None:
        """`source` with every heading in English, or None while some of it is still Chinese."""
        if self._pattern is None:
            return None if _CHINESE.search(source) else source
        text = self._pattern.sub(lambda m: self._names.get(m[0]) or _PUNCTUATION[m[0]], source)
        text = re.sub(r" {2,}", " ", re.sub(r"\)(?=\w)", ") ", text)).strip()
        return None if _CHINESE.search(text) else text

    def cite(self, source: str, lang: str) -> dict[str, str | None]:
        """A view's `source` in `lang` and, when that is a translation, the Chinese original beside it."""
        translated = self.english(source) if lang != "zh" else None
        if translated is None or translated == source:
            return {"source": source, "source_original": None}
        return {"source": translated, "source_original": source}
