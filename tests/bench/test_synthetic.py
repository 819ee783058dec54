"""The benchmark's synthetic libraries are valid libraries, reproducible from their seed, and all different."""

from bench.synthetic import generate
from kb.content.articles import load_library


def test_a_synthetic_library_loads_without_problems_and_repeats_from_its_seed(tmp_path, book):
    assert generate(tmp_path / "a", 60, seed=3) == 60
    library = load_library(tmp_path / "a", book.topics())
    assert len(library.articles) == 60 and library.problems == []
    assert {a.lang for a in library.articles.values()} == {"zh", "en"}
    assert len({a.digest for a in library.articles.values()}) == 60  # no two alike
    generate(tmp_path / "b", 60, seed=3)
    same = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.md"))
    assert same == sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*.md"))
    assert all((tmp_path / "a" / p).read_bytes() == (tmp_path / "b" / p).read_bytes() for p in same)
