"""The core of the support knowledge base: rules, engine, articles and search. No web code here."""

from kb.case import Case
from kb.case import Onsite
from kb.engine import Decision
from kb.engine import decide
from kb.errors import ArticleError
from kb.errors import InvalidInput
from kb.errors import KBError
from kb.errors import NotFound
from kb.errors import Problem
from kb.errors import RuleError
from kb.intake import intake_for
from kb.rulebook import RuleBook
from kb.rulebook import load_rulebook

__all__ = [
    "ArticleError", "Case", "Decision", "InvalidInput", "KBError", "NotFound", "Onsite", "Problem",
    "RuleBook", "RuleError", "decide", "intake_for", "load_rulebook",
]
