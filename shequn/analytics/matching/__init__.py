"""Resource matching (资源对接) and question routing: who can answer, who can help whom.

The core, pure of Django: profiles of what members can do (archive fields, good
answers, threads; BM25 over jieba/Latin terms), routing a question to members
who can answer it, and matching every stated need with members' offers.
``load_profiles`` reads a community from the store; ``build_profiles`` builds
from frames.
"""

from shequn.analytics.matching.build import build_profiles
from shequn.analytics.matching.load import load_profiles
from shequn.analytics.matching.profiles import Profiles
from shequn.analytics.matching.questions import is_question
from shequn.analytics.matching.types import Candidate, Evidence, Match

__all__ = [
    "Candidate",
    "Evidence",
    "Match",
    "Profiles",
    "build_profiles",
    "is_question",
    "load_profiles",
]
