"""What a rule may know of one member's admission request (门槛), from store or memory.

Kept apart from the rule (and free of Django) so that ``rules.GroupState`` can
name it without an import cycle.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Request statuses: waiting for a step or an operator; on the waiting list; let back
#: in when a seat freed (or approved while out); turned away; in.
PENDING, WAITLISTED, APPROVED, REJECTED, ADMITTED = (
    "pending",
    "waitlisted",
    "approved",
    "rejected",
    "admitted",
)
#: Statuses of a request still open (a later step or decision will close it).
OPEN = (PENDING, WAITLISTED, APPROVED)


@dataclass(frozen=True, slots=True)
class AdmissionView:
    """A member's latest admission request in a group.

    ``path``: the steps passed so far, joined by "+"; ``referred``: a referral
    (a member's invitation or a valid code) was seen; ``answers``: how many entry
    questions are answered.
    """

    status: str
    path: str = ""
    referred: bool = False
    answers: int = 0

    @property
    def open(self) -> bool:
        return self.status in OPEN


def add_step(path: str, step: str) -> str:
    """``path`` with ``step`` appended once ("referral" + "questions" → "referral+questions")."""
    steps = [s for s in path.split("+") if s]
    if step not in steps:
        steps.append(step)
    return "+".join(steps)
