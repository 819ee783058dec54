"""Turn free text (Chinese or English) into a Case, with lexicons from `rules/`."""

from __future__ import annotations

import re
from functools import lru_cache

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion
from packaging.version import Version

from kb.rules.case import Case
from kb.rules.lexicon import TermMatcher
from kb.rules.lexicon import is_chinese
from kb.rules.lexicon import normalize
from kb.rules.lexicon import term_pattern
from kb.rules.text import msg

_VERSION = r"(\d+(?:\.\d+){1,3})"


class Vocabulary:
    """Lexicon entries ({terms, all}) found in a text: by a term, or by one word of every `all` group."""

    def __init__(self, entries, negations=()):
        self.entries = list(entries)
        self.terms = TermMatcher(((t, i) for i, e in enumerate(self.entries) for t in e.terms), negations)
        self.groups = {i: [TermMatcher(((t, True) for t in group), negations) for group in e.all]
                       for i, e in enumerate(self.entries) if e.all}

    def found(self, norm: str) -> list:
        """The entries found, in lexicon order."""
        hits = set(self.terms.labels(norm)) | {i for i, groups in self.groups.items() if all(g.find(norm) for g in groups)}
        return [self.entries[i] for i in sorted(hits)]


class Intake:
    """Matchers built once per rule book; `read(text)` makes a case."""

    def __init__(self, book):
        self.book = book
        lex = book.lexicon
        negations = lex.negations
        # One matcher for every kind of software, so that the longest name wins across kinds
        # (云数据库 MySQL is the provider's product, not MySQL; FileZilla Server is not the FileZilla client). A product
        # of the provider's named as absent ("没有快照", "no snapshot") is not what the question is about; a negated
        # tool is what fails ("can not ssh", "没 ssh 上去"), so the software matcher has no negations.
        self.software = TermMatcher(
            [(a, ("catalog", row.key)) for row in book.catalog.values() for a in row.aliases + [row.key]]
            + [(a, ("port", row.key)) for row in book.catalog.values() for a in row.port_aliases]
            + [(t, ("uncatalogued", i)) for i, s in enumerate(lex.uncatalogued_software) for t in s.terms]
            + [(t, ("cloud", p.name)) for p in lex.cloud_products for t in p.terms]
            + [(t, ("client", c.name)) for c in lex.client_tools for t in c.terms])
        self.cloud_present = TermMatcher(((t, p.name) for p in lex.cloud_products for t in p.terms), negations)
        self.products = TermMatcher(
            (a, (row.key, i)) for row in book.catalog.values() for i, p in enumerate(row.platforms) for a in p.product_aliases)
        self.generic = Vocabulary(lex.generic_software)
        self.called_by_code = {p.name for p in lex.cloud_products if p.called_by_code}
        self.excluded = book.onsite.excluded_activities
        # One-word catalog names long enough to be told from other words with a letter more or less, by length.
        self.known = {normalize(t) for t in self.software.terms() + self.generic.terms.terms()}
        self.spellings: dict[int, list[tuple[str, str]]] = {}
        for row in book.catalog.values():
            for alias in dict.fromkeys(normalize(a) for a in row.aliases + [row.key]):
                if _WORD.fullmatch(alias) and len(alias) >= MIN_MISSPELT:
                    self.spellings.setdefault(len(alias), []).append((alias, row.key))
        self.generic_off = [TermMatcher((t, True) for t in g.turned_off) for g in lex.generic_software]
        self.activities = Vocabulary(lex.activities, negations)
        self.severities = Vocabulary(lex.severities, negations)
        self.fault_levels = TermMatcher(_flat(lex.fault_levels, "level"), negations)
        self.port = TermMatcher(((t, True) for t in lex.port_issue_terms), negations)
        self.not_port = TermMatcher(((t, True) for t in lex.not_port_terms), negations)
        self.port_blocked = TermMatcher(((t, True) for t in lex.port_blocked_terms), negations)
        self.topics = TermMatcher(_flat(lex.topics, "id"))
        self.questions = Vocabulary(lex.service_questions)
        self.modes = TermMatcher(_flat(lex.onsite_modes, "id"))
        self.os = TermMatcher(_flat(lex.os, "id"))
        self.install = TermMatcher(_flat(lex.install_methods, "id"))
        self.images = TermMatcher(_flat(lex.images, "id"))
        self.server_os = TermMatcher(_flat(lex.server_os, "id"))
        self.plans = TermMatcher((t, pid) for pid, p in book.plans.items() for t in (pid, p.name.zh, f"{p.name.en} plan"))
        self.environments = Vocabulary(lex.environments, negations)
        self.work = Vocabulary(lex.work_kinds, negations)
        self.patterns = [(p.activity, re.compile("|".join(f"(?:{x})" for x in p.patterns), re.MULTILINE))
                         for p in lex.activity_patterns]
        self.problem = lex.problem_activity
        codes = lex.error_codes
        self.error_code = codes and re.compile(
            "(?i:" + "|".join(term_pattern(normalize(m)).pattern for m in codes.markers) + r")\s*:?\s*(?:"
            + codes.pattern + r")(?![A-Za-z0-9])")

    def read(self, text: str, **given) -> Case:
        """Make a case from `text`; keyword arguments (plan, severity, ...) override what is read."""
        norm = normalize(text)
        case = Case(text=text, lang="zh" if is_chinese(text) else "en")
        case.named_plans = self.plans.labels(norm)
        case.plan = case.named_plans[0] if case.named_plans else None
        clients = self._software(case, norm)
        # Naming the catalog's server product (FileZilla Server, vsftpd) puts the server in question, not a client.
        client_only = clients and not self.products.find(norm)
        env = next((e for e in self.environments.found(norm) if (client_only or not e.with_client)
                    and (not e.only_software or case.software in e.only_software)
                    and case.software not in e.not_software), None)
        case.environment = env and env.id
        works = self.work.found(norm)
        case.work = [w.id for w in works]
        found = self._activities(text, norm, problem=any(w.reports_problem for w in works))
        lex = self.book.lexicon
        unasked = lex.software_default_activity if case.software_status != "none" else None
        case.activity = found[0] if found else unasked or lex.default_activity
        if case.software and (case.activity in self.book.lexicon.code_activities or env and env.drops_software):
            # the catalog tool is only the subject of their code, or the client they use is what fails
            case.mentions.append(case.software)
            case.software, case.software_status = None, "none"
            cloud = [m for m in case.mentions if m in self.called_by_code]
            if cloud:  # their code calls the provider's SDK or API as well (guide §3.3: partial)
                case.software_status, case.product = "cloud_product", cloud[0]
        if case.activity == self.problem and case.software_status == "none":
            # A failure of no software while excluded work is named ("the machine room lost cooling", "迁移后网站打不开")
            # happened during that work, which the exclusion then decides; it is still a reported failure, so it is
            # still routed as troubleshooting (guide §6 precedence, §9). The catalog exception (a catalog tool failing
            # during a migration is that tool's failure, guide §3.2) needs a catalog tool.
            case.during = next((a for a in found if a in self.excluded), None)
        order = list(self.book.severities)
        severities = {e.id for e in self.severities.found(norm)
                      if e.only_with_activity is None or case.activity in e.only_with_activity}
        case.severity = min(severities, key=order.index) if severities else None
        levels = self.fault_levels.labels(norm)
        case.fault_level = min(levels) if levels else None
        case.port_issue = bool(self.port_blocked.find(norm)) or (bool(self.port.find(norm)) and not self.not_port.find(norm))
        questions = self.questions.found(norm)
        case.asks = [q.id for q in questions]
        case.named_modes = self.modes.labels(norm)
        topics = self.topics.labels(norm) + [q.topic for q in questions]
        if case.named_plans and case.software_status == "none" and case.activity != self.problem:
            # "旗舰版多少钱" is about a plan; "我们是基础版，生产环境挂了" is an outage
            topics += [t.id for t in self.book.lexicon.topics if t.plan_names]
        case.topic = topics[0] if topics else None
        images = self.images.labels(norm)
        case.image = images[0] if images else None
        os_found = self.os.labels(norm)
        case.os = os_found[0] if len(os_found) == 1 else case.os
        for key, value in given.items():
            if value is not None:
                setattr(case, key, value)
        if given.get("software") in self.book.catalog:  # the customer said which catalog software it is
            case.software_status, case.notes = "catalog", [n for n in case.notes if n.key not in ("software_unknown",
                                                                                                 "client_tool")]
        self._severity_from_fault_level(case)
        self._check_range(case, norm)
        self._note_unknowns(case)
        return case

    def _software(self, case: Case, norm: str) -> list[str]:
        """Set the case's software (catalog row, other software or product); return the client programs named."""
        labels = self.software.labels(norm)
        others = [self.book.lexicon.uncatalogued_software[i] for kind, i in labels if kind == "uncatalogued"]
        present = set(self.cloud_present.labels(norm))
        cloud = [value for kind, value in labels if kind == "cloud" and value in present]
        clients = [value for kind, value in labels if kind == "client"]
        # "FileZilla 报连接超时": a client speaks the protocol of a catalog row, when no other server is named
        spoken = [] if others else [row for c in self.book.lexicon.client_tools if c.name in clients and (row := c.row)]
        keys = ([value for kind, value in labels if kind == "catalog"] or self._misspelt(case, norm) or spoken[:1]
                or self._generic(norm, bool(others)) or [value for kind, value in labels if kind == "port"])
        if cloud:
            # "Python SDK 调用报错" is about the provider's SDK: a programming language is only the tool.
            others = [o for o in others if not o.language]
        named_products = {label[0] for label in self.products.labels(norm)}
        for key in list(keys):
            for overridden in self.book.catalog[key].overrides:
                if overridden in keys and overridden != key:
                    keys.remove(overridden)
        for other in others:
            # "proftpd 被动模式" is about another FTP server, but "FileZilla Server vs IIS FTP" is still FileZilla; the
            # more specific row goes first ("scp through lshell: /usr/bin/ssh: Permission denied" is not about sshd).
            # Another SSH server serves SFTP and SCP as well: the rows more specific than its row are its too
            # (Dropbear's or koko's sftp is not the native SFTP).
            variant = other.variant_of
            if variant and variant not in named_products:
                keys = [k for k in keys if k != variant and variant not in self.book.catalog[k].overrides]
        case.mentions = [o.name for o in others] + cloud + clients + keys[1:]
        if keys:
            case.software, case.software_status = keys[0], "catalog"
        elif others:
            case.software_status = "uncatalogued"
            case.product = others[0].name
            row = self.book.catalog.get(others[0].variant_of)
            if row:
                case.notes.append(msg("variant_not_in_catalog", name=case.product, row=row.name))
        elif cloud:
            case.software_status = "cloud_product"
            case.product = cloud[0]
        elif clients:
            case.notes.append(msg("client_tool", name=clients[0]))
        return clients

    def _misspelt(self, case: Case, norm: str) -> list[str]:
        """The catalog row of a one-word name written with a letter more or less (vsftp, iptable, firewald), when the
        word is no term of the lexicon itself (firewall is the generic word, rsync a name of its own)."""
        for word in dict.fromkeys(_WORD.findall(norm)):
            if word in self.known:
                continue
            for alias, key in self.spellings.get(len(word) - 1, []) + self.spellings.get(len(word) + 1, []):
                if _one_letter_apart(word, alias):
                    case.notes.append(msg("software_misspelt", word=word, name=self.book.catalog[key].name))
                    return [key]
        return []

    def _generic(self, norm: str, others: bool) -> list[str]:
        """The catalog row a generic word (防火墙) names on the one OS the text names, if it names one; none when it
        is said to be off already and other software is named ("容器访问不了，防火墙已经关闭了": the container fails)."""
        systems = set(self.server_os.labels(norm)) | set(self.os.labels(norm))
        if len(systems) != 1:
            return []
        os_id = systems.pop()
        return [row for i, g in enumerate(self.generic.entries) if g in self.generic.found(norm)
                and (row := g.rows.get(os_id)) and not (others and (g.alone or self.generic_off[i].find(norm)))][:1]

    def _activities(self, text: str, norm: str, problem: bool = False) -> list[str]:
        """The activities the text shows, in precedence order (the lexicon's); `problem`: the work asked for reports
        a problem (lexicon work_kinds `reports_problem`)."""
        found = [e.id for e in self.activities.found(norm)] + [a for a, p in self.patterns if p.search(text)]
        if problem or self.error_code and self.error_code.search(normalize(text, fold_case=False)):
            found.append(self.problem)  # "报 403", "returns AuthFailure": a problem is being reported
        return list(dict.fromkeys(e.id for e in self.activities.entries if e.id in found))

    def _severity_from_fault_level(self, case: Case) -> None:
        """A fault level given without a severity implies one: the reverse of onsite.yaml fault_level_by_severity."""
        if case.severity or case.fault_level is None:
            return
        by_level = {level: sev for sev, level in self.book.onsite.fault_level_by_severity.items()}
        case.severity = by_level.get(case.fault_level)
        if case.severity:
            case.notes.append(msg("severity_from_fault_level", level=case.fault_level,
                                  severity=self.book.severities[case.severity].name))

    def _check_range(self, case: Case, norm: str) -> None:
        """Pick the catalog platform the case is on and check its OS, install method, image and version."""
        if case.software_status != "catalog":
            return
        platforms = self.book.catalog[case.software].platforms
        installs = self.install.labels(norm)
        case.install_method = case.install_method or (installs[0] if installs else None)
        products = [label for label in self.products.labels(norm) if label[0] == case.software]
        if products:
            platform = platforms[products[0][1]]
        else:
            platform = next((p for p in platforms if p.os == case.os), platforms[0] if len(platforms) == 1 else None)
        server_os = self.server_os.labels(norm)
        if server_os and not any(p.os in server_os for p in ([platform] if platform else platforms)):
            # OpenSSH on Windows Server, FileZilla Server on CentOS: not an OS the row (or platform) covers
            case.software_status, case.os = "out_of_range", server_os[0]
            return
        if platform is None:
            return
        case.platform = platforms.index(platform)
        case.product = platform.product or case.product
        case.os = case.os or platform.os
        if not case.version:
            case.version = _version_near(norm, platform.product_aliases)
        if platform.install and case.install_method and case.install_method != platform.install:
            case.software_status = "out_of_range"
        if platform.native and case.install_method == "source":
            case.software_status = "out_of_range"  # built from source is not the image's native tool
        if platform.image and case.image and case.image != platform.image:
            case.software_status = "out_of_range"
        if platform.versions and case.version:
            try:
                if Version(case.version) not in SpecifierSet(platform.versions):
                    case.software_status = "out_of_range"
            except InvalidVersion:
                case.notes.append(msg("version_unreadable", version=case.version))
        if platform.versions and not case.version:
            case.notes.append(msg("version_assumed", product=case.product, versions=platform.versions))
        if platform.install and not case.install_method:
            case.notes.append(msg("install_assumed", install=platform.install))

    def _note_unknowns(self, case: Case) -> None:
        if case.software_status == "none" and not case.topic and not case.mentions:  # a client tool has its own note
            case.notes.append(msg("software_unknown"))
        if case.plan is None:
            case.notes.append(msg("plan_unknown"))


_WORD = re.compile(r"(?<![a-z0-9_.-])[a-z][a-z0-9_]{4,}(?![a-z0-9_])")
MIN_MISSPELT = 6  # a name this long with a letter more or less is still that name (vsftp, iptable); rsync is not async


def _one_letter_apart(a: str, b: str) -> bool:
    """Whether one letter inserted into the shorter of two words, after its first, makes the longer (a word that
    lacks the first letter is another word: shell is not xshell)."""
    short, long_ = sorted((a, b), key=len)
    if len(long_) - len(short) != 1:
        return False
    i = next((i for i, (x, y) in enumerate(zip(short, long_, strict=False)) if x != y), len(short))
    return i > 0 and short[i:] == long_[i + 1:]


def _flat(entries, label_key):
    return ((t, getattr(e, label_key)) for e in entries for t in e.terms)


_VERSION_WORD = r"(?:(?<![a-z])(?:version|ver)(?![a-z])|版本号?)"  # whole words: not the "ver" of "Server"


def _version_near(norm: str, aliases) -> str | None:
    """The version right after the product's name, else after a version word (not an OS's "Server 22.04")."""
    after = r"[\s\-_:=]*(?:是|为|is)?\s*v?" + _VERSION
    names = "|".join(re.escape(normalize(a)) for a in aliases)
    heads = ([rf"(?:{names})(?![a-z0-9])[\s\-_:=]*{_VERSION_WORD}?"] if names else []) + [_VERSION_WORD]
    for head in heads:
        m = re.search(head + after, norm)
        if m:
            return m.group(1)
    return None


@lru_cache(maxsize=4)
def intake_for(book) -> Intake:
    """The Intake of a rule book, built once (rule books are immutable)."""
    return Intake(book)
