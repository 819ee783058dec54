"""Synthetic article libraries of any size, shaped like the shipped one and reproducible from a seed.

Each synthetic topic is a shipped topic (its zh and en articles, front matter, sections, commands and error
messages) under a new id, with a notes section drawn from the whole library's lines and fresh numbers in its error
codes and ports, so no two articles are alike and the index grows the way a real one does.

Run: .venv/bin/python bench/synthetic.py OUT_DIR --articles 10000 [--seed 7]
"""

from __future__ import annotations

import argparse
import random
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FRONT = re.compile(r"\A---\n(.*?)\n---\n(.*)\Z", re.S)
NUMBER = re.compile(r"(?<![\w.])\d{2,5}(?![\w.])")


def _topics(articles: Path) -> dict[tuple[str, str], dict[str, str]]:
    """The shipped topics: (folder, key) -> {lang: file text}."""
    topics: dict[tuple[str, str], dict[str, str]] = {}
    for path in sorted(articles.glob("*/*.md")):
        key, lang = path.name.removesuffix(".md").rsplit(".", 1)
        topics.setdefault((path.parent.name, key), {})[lang] = path.read_text(encoding="utf-8")
    return {k: v for k, v in topics.items() if {"zh", "en"} <= v.keys()}


def _lines(topics) -> dict[str, list[str]]:
    """Body lines of every article by language: the pool notes are drawn from."""
    pool: dict[str, list[str]] = {"zh": [], "en": []}
    for texts in topics.values():
        for lang, text in texts.items():
            fenced = False
            for line in FRONT.match(text).group(2).splitlines():
                fenced ^= line.startswith("```")
                if not fenced and len(line) > 30 and not line.startswith(("#", "```", "|")):
                    pool[lang].append(line)
    return pool


def _variant(text: str, n: int, key: str, lang: str, rng: random.Random, pool: list[str]) -> str:
    head, body = FRONT.match(text).groups()
    head = re.sub(r"^id: .*$", f"id: syn{n}-{key}-{lang}", head, flags=re.M)
    head = re.sub(r"^translation_key: .*$", f"translation_key: syn{n}-{key}", head, flags=re.M)
    head = re.sub(r"^related: .*$", "related: []", head, flags=re.M)
    head = re.sub(r'^title: "?(.*?)"?$', lambda m: f'title: "{m.group(1)} #{n}"'.replace('\\"', "'"), head,
                  count=1, flags=re.M)
    body = NUMBER.sub(lambda m: str(rng.randint(10, 65535)), body)
    notes = "\n".join(f"- {line.lstrip('-* ').strip()}" for line in rng.sample(pool, min(6, len(pool))))
    heading = "备注" if lang == "zh" else "Notes"
    return f"---\n{head}\n---\n{body.rstrip()}\n\n## {heading}\n\n{notes}\n"


def generate(out: Path, articles: int, seed: int = 7, source: Path = ROOT / "articles") -> int:
    """Write about `articles` articles (zh and en of articles // 2 topics) under `out`; the number written."""
    rng = random.Random(seed)
    topics = _topics(source)
    pool = _lines(topics)
    keys = sorted(topics)
    written = 0
    for n in range(articles // 2):
        folder, key = keys[rng.randrange(len(keys))]
        target = out / folder
        target.mkdir(parents=True, exist_ok=True)
        for lang, text in topics[(folder, key)].items():
            (target / f"syn{n}-{key}.{lang}.md").write_text(_variant(text, n, key, lang, rng, pool[lang]),
                                                            encoding="utf-8")
            written += 1
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(f"{generate(args.out, args.articles, args.seed)} articles written to {args.out}")


if __name__ == "__main__":
    main()
