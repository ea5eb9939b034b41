"""The admission requests of one group as a replay rebuilds them (``MemoryState``'s part).

Live, the store writes a request when the engine performs the rule's store
actions; here the same actions are applied as the engine reports them
performed, so that the rule sees in a replay what it saw live. Dry-run and
failed actions change nothing, as live. Invite codes are not events: a replay
is given the codes the store holds now (as it is given today's roles).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from shequn.events import Action, Admit, QueueAdmission, RecordAnswer
from shequn.playbook.admission_view import ADMITTED, OPEN, AdmissionView


class AdmissionMemory:
    """Each account's latest request (with the order requests were opened in) and the codes."""

    def __init__(self, codes: Mapping[str, str] | None = None) -> None:
        self.codes = {code.upper(): owner for code, owner in (codes or {}).items()}
        self._requests: dict[str, tuple[int, AdmissionView]] = {}
        self._opened = 0

    def view(self, member_id: str) -> AdmissionView | None:
        found = self._requests.get(member_id)
        return found[1] if found is not None else None

    def queue(self, status: str) -> list[str]:
        """Ids of accounts whose latest request has ``status``, oldest request first."""
        found = [(seq, mid) for mid, (seq, v) in self._requests.items() if v.status == status]
        return [mid for _seq, mid in sorted(found)]

    def code_owner(self, code: str) -> str:
        return self.codes.get(code.upper(), "")

    def apply(self, action: Action, outcome: str) -> None:
        """A rule's admission action the engine reports; only a performed one changes anything."""
        if outcome != "performed":
            return
        if isinstance(action, QueueAdmission):
            self._queue(action)
        elif isinstance(action, RecordAnswer):
            self._answer(action)
        elif isinstance(action, Admit):
            seq, view = self._open(action.member.id)
            self._requests[action.member.id] = (
                seq,
                replace(view, status=ADMITTED, path=action.path),
            )

    def _open(self, member_id: str) -> tuple[int, AdmissionView]:
        """The account's open request, or a new one (as ``open_admission`` finds or makes it)."""
        found = self._requests.get(member_id)
        if found is not None and found[1].status in OPEN:
            return found
        self._opened += 1
        return self._opened, AdmissionView(status="pending")

    def _queue(self, action: QueueAdmission) -> None:
        seq, view = self._open(action.member.id)
        referred = view.referred or action.inviter is not None or bool(action.code)
        view = replace(view, status=action.status, path=action.path, referred=referred)
        self._requests[action.member.id] = (seq, view)

    def _answer(self, action: RecordAnswer) -> None:
        found = self._requests.get(action.member.id)
        if found is None or found[1].status not in OPEN:
            return  # live, the handler fails: no open request to answer on
        seq, view = found
        answers = max(view.answers, action.index + 1)
        self._requests[action.member.id] = (seq, replace(view, answers=answers))
