"""The core of the support knowledge base: rules, engine, articles and search. No web code here."""

from kb.errors import ArticleError
from kb.errors import InvalidInput
from kb.errors import KBError
from kb.errors import NotFound
from kb.errors import Problem
from kb.errors import RuleError
from kb.rules.book import RuleBook
from kb.rules.book import load_rulebook
from kb.rules.case import Case
from kb.rules.case import Onsite
from kb.rules.engine import Decision
from kb.rules.engine import decide
from kb.rules.intake import intake_for

__all__ = [
    "ArticleError", "Case", "Decision", "InvalidInput", "KBError", "NotFound", "Onsite", "Problem",
    "RuleBook", "RuleError", "decide", "intake_for", "load_rulebook",
]
