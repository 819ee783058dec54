"""Turn free text (Chinese or English) into a Case, with lexicons from `rules/`."""

from __future__ import annotations

import re
from functools import lru_cache

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion
from packaging.version import Version

from kb.case import Case
from kb.lexicon import TermMatcher
from kb.lexicon import is_chinese
from kb.lexicon import normalize

_VERSION = r"(\d+(?:\.\d+){1,3})"
SEVERITY_ORDER = ("business_down", "degraded", "consulting")


class Intake:
    """Matchers built once per rule book; `read(text)` makes a case."""

    def __init__(self, book):
        self.book = book
        lex = book.lexicon
        # One matcher for every kind of software, so that the longest name wins across kinds
        # (云数据库 MySQL is the provider's product, not MySQL).
        self.software = TermMatcher(
            [(a, ("catalog", row["key"])) for row in book.catalog.values() for a in row["aliases"] + [row["key"]]]
            + [(t, ("uncatalogued", i)) for i, s in enumerate(lex.get("uncatalogued_software", [])) for t in s["terms"]]
            + [(t, ("cloud", p["name"])) for p in lex.get("cloud_products", []) for t in p["terms"]])
        self.products = TermMatcher(
            (a, (row["key"], i)) for row in book.catalog.values()
            for i, p in enumerate(row["platforms"]) for a in p.get("product_aliases", []))
        self.activities = TermMatcher(_flat(lex.get("activities", []), "id"))
        self.activity_groups = [(a["id"], [TermMatcher((t, 1) for t in group) for group in a["all"]])
                                for a in lex.get("activities", []) if a.get("all")]
        self.activity_order = [a["id"] for a in lex.get("activities", [])]
        self.severities = TermMatcher(_flat(lex.get("severities", []), "id"))
        self.fault_levels = TermMatcher(_flat(lex.get("fault_levels", []), "level"))
        self.port = TermMatcher((t, True) for t in lex.get("port_issue_terms", []))
        self.topics = TermMatcher(_flat(lex.get("topics", []), "id"))
        self.os = TermMatcher(_flat(lex.get("os", []), "id"))
        self.install = TermMatcher(_flat(lex.get("install_methods", []), "id"))
        self.images = TermMatcher(_flat(lex.get("images", []), "id"))
        self.server_os = TermMatcher(_flat(lex.get("server_os", []), "id"))
        self.plans = TermMatcher(
            (t, pid) for pid, p in book.plans.items() for t in (pid, p["name"]["zh"], f"{p['name']['en']} plan"))

    def read(self, text: str, **given) -> Case:
        """Make a case from `text`; keyword arguments (plan, severity, ...) override what is read."""
        norm = normalize(text)
        case = Case(text=text, lang="zh" if is_chinese(text) else "en")
        plans = self.plans.labels(norm)
        case.plan = plans[0] if plans else None
        self._software(case, norm)
        case.activity = self._activity(norm)
        severities = self.severities.labels(norm)
        case.severity = next((s for s in SEVERITY_ORDER if s in severities), None)
        levels = self.fault_levels.labels(norm)
        case.fault_level = min(levels) if levels else None
        case.port_issue = bool(self.port.find(norm))
        topics = self.topics.labels(norm) or (["plans"] if plans else [])
        case.topic = topics[0] if topics else None
        images = self.images.labels(norm)
        case.image = images[0] if images else None
        os_found = self.os.labels(norm)
        case.os = os_found[0] if len(os_found) == 1 else case.os
        for key, value in given.items():
            if value is not None:
                setattr(case, key, value)
        self._check_range(case, norm)
        self._note_unknowns(case)
        return case

    def _software(self, case: Case, norm: str) -> None:
        labels = self.software.labels(norm)
        keys = [value for kind, value in labels if kind == "catalog"]
        others = [self.book.lexicon["uncatalogued_software"][i] for kind, i in labels if kind == "uncatalogued"]
        cloud = [value for kind, value in labels if kind == "cloud"]
        if cloud:
            # "Python SDK 调用报错" is about the provider's SDK: a programming language is only the tool.
            others = [o for o in others if not o.get("language")]
        named_products = {label[0] for label in self.products.labels(norm)}
        for other in others:
            # "proftpd 被动模式" is about another FTP server, but "FileZilla Server vs IIS FTP" is still FileZilla.
            if other.get("variant_of") in keys and other["variant_of"] not in named_products:
                keys.remove(other["variant_of"])
        for key in list(keys):
            for overridden in self.book.catalog[key].get("overrides", []):
                if overridden in keys and overridden != key:
                    keys.remove(overridden)
        case.mentions = [o["name"] for o in others] + cloud + keys[1:]
        if keys:
            case.software, case.software_status = keys[0], "catalog"
        elif others:
            case.software_status = "uncatalogued"
            case.product = others[0]["name"]
        elif cloud:
            case.software_status = "cloud_product"
            case.product = cloud[0]

    def _activity(self, norm: str) -> str:
        found = set(self.activities.labels(norm))
        for activity, groups in self.activity_groups:
            if all(g.find(norm) for g in groups):
                found.add(activity)
        default = self.book.lexicon.get("default_activity", "consult")
        return next((a for a in self.activity_order if a in found), default)

    def _check_range(self, case: Case, norm: str) -> None:
        """Pick the catalog platform the case is on and check product, install method and version."""
        if case.software_status != "catalog":
            return
        row = self.book.catalog[case.software]
        platforms = row["platforms"]
        server_os = self.server_os.labels(norm)
        if server_os and not any(p["os"] in server_os for p in platforms):
            case.software_status = "out_of_range"  # e.g. OpenSSH on Windows Server: the row is Linux-only
            return
        products = [label for label in self.products.labels(norm) if label[0] == case.software]
        installs = self.install.labels(norm)
        case.install_method = case.install_method or (installs[0] if installs else None)
        if products:
            platform = platforms[products[0][1]]
        elif case.os and [p for p in platforms if p["os"] == case.os]:
            platform = next(p for p in platforms if p["os"] == case.os)
        elif len(platforms) == 1:
            platform = platforms[0]
        else:
            return
        case.product = platform.get("product") or case.product
        case.os = case.os or platform["os"]
        if not case.version:
            case.version = _version_near(norm, platform.get("product_aliases", []))
        if platform.get("install") and case.install_method and case.install_method != platform["install"]:
            case.software_status = "out_of_range"
        if platform.get("native") and case.install_method == "source":
            case.software_status = "out_of_range"  # built from source is not the image's native tool
        if platform.get("image") and case.image and case.image != platform["image"]:
            case.software_status = "out_of_range"
        if platform.get("versions") and case.version:
            try:
                if Version(case.version) not in SpecifierSet(platform["versions"]):
                    case.software_status = "out_of_range"
            except InvalidVersion:
                case.notes.append(_note("version_unreadable", f"无法识别版本号 {case.version}",
                                        f"Cannot read version {case.version}"))
        if platform.get("versions") and not case.version:
            versions = platform["versions"]
            case.notes.append(_note("version_assumed", f"未给出 {case.product} 版本，按目录范围（{versions}）假设。",
                                    f"No {case.product} version given; assumed within the catalog range ({versions})."))
        if platform.get("install") and not case.install_method:
            case.notes.append(_note("install_assumed", f"未说明安装方式，按目录要求（{platform['install']} 安装）假设。",
                                    f"Installation method not given; assumed {platform['install']} as the catalog requires."))

    def _note_unknowns(self, case: Case) -> None:
        if case.software_status == "none" and not case.topic:
            case.notes.append(_note("software_unknown", "未识别出涉及的软件或产品。",
                                    "Could not tell which software or product this is about."))
        if case.plan is None:
            case.notes.append(_note("plan_unknown", "未说明服务计划。", "No support plan given."))


def _flat(entries, label_key):
    return ((t, e[label_key]) for e in entries for t in e["terms"])


def _version_near(norm: str, aliases) -> str | None:
    words = [re.escape(normalize(a)) for a in aliases] + ["version", "版本号?", "ver"]
    m = re.search(r"(?:" + "|".join(words) + r")[\s\-_:=v]*(?:是|为)?\s*" + _VERSION, norm)
    return m.group(1) if m else None


def _note(code: str, zh: str, en: str) -> dict:
    return {"code": code, "zh": zh, "en": en}


@lru_cache(maxsize=4)
def intake_for(book) -> Intake:
    """The Intake of a rule book, built once (rule books are immutable)."""
    return Intake(book)
