"""Follow-up surveys (回访): questions, answer parsing, summaries, and the answer-capturing rule.

A survey is a few questions (choice, scale 1–5, text) sent to chosen members
(``surveys_jobs``). A member answers with their next messages, one per question,
in order: a choice by its number or its text, a scale as a digit (full-width
ones too), a text as it is. An answer that does not fit is asked again with
what is expected; nothing is recorded for it.

``SurveyAnswers`` is the rule: pure, it reads the member's open survey from
``GroupState.open_survey`` and answers with a ``SurveyAnswer`` store action
(``surveys_actions.record_answer`` keeps it on the response and in the archive)
and the next question. Replies reach the group's event stream, so only
messages starting with the configured prefix (``回访`` by default) count, so
that the member's ordinary chat is not taken for answers (``bare_direct`` drops
the prefix for direct conversations, where a connector keeps them apart).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from statistics import mean
from typing import Any, ClassVar, Literal

from pydantic import Field

from shequn.events import Action, Actor, DirectMessage, Event, MessagePosted, Reply, Warn
from shequn.playbook.rules import GroupState, RuleConfig
from shequn.playbook.surveys_view import Question, SurveyView

Kind = Literal["choice", "scale", "text"]
SCALE = (1, 5)
MAX_TEXT = 2000
MAX_QUESTIONS = 10
#: How a console line names its kind (English and Chinese).
KIND_WORDS: dict[str, Kind] = {
    "choice": "choice", "选择": "choice", "单选": "choice",
    "scale": "scale", "评分": "scale", "打分": "scale",
    "text": "text", "文字": "text", "填空": "text", "问答": "text",
}  # fmt: skip
_CN_DIGITS = {
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_NUMBER = re.compile(r"\d+")

#: The built-in newcomer survey: the seeds' three questions (需求, 资源, 归属感).
NEWCOMER_TITLE = "新人回访"
NEWCOMER_QUESTIONS: tuple[Question, ...] = (
    Question("text", "你现在最需要什么（资源、帮助、人脉）？", field="needs"),
    Question("text", "你能为大家提供什么（经验、资源、技能）？", field="offers"),
    Question("scale", "你在群里感到被欢迎吗？1 = 完全没有，5 = 非常欢迎"),
)


MEETUP_TITLE = "活动回访：{title}"
MEETUP_QUESTIONS: tuple[Question, ...] = (
    Question("scale", "这次活动你打几分？1 = 很差，5 = 很好"),
    Question("text", "你在活动上认识了谁、有什么收获？"),
    Question("text", "接下来你最需要什么（资源、帮助、人脉）？", field="needs"),
)


class SurveyError(ValueError):
    """Questions that cannot be used: names the line and what was expected."""


def parse_questions(text: str) -> tuple[Question, ...]:
    """Questions from console text, one per line: ``kind: question | choice | choice``.

    Kinds: choice/选择, scale/评分, text/文字. A choice question needs at least
    two choices; other kinds take none. Blank lines are skipped.
    """
    questions: list[Question] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            questions.append(_question(number, line))
    if not questions:
        raise SurveyError("questions: at least one question is needed")
    if len(questions) > MAX_QUESTIONS:
        raise SurveyError(f"questions: at most {MAX_QUESTIONS}, got {len(questions)}")
    return tuple(questions)


def _question(number: int, line: str) -> Question:
    head, colon, rest = unicodedata.normalize("NFKC", line).partition(":")
    kind = KIND_WORDS.get(head.strip().casefold())
    if not colon or kind is None:
        raise SurveyError(
            f"line {number}: expected 'choice: …', 'scale: …' or 'text: …' "
            f"(选择/评分/文字), got {line.strip()[:40]!r}"
        )
    parts = [p.strip() for p in rest.split("|")]
    asked, choices = parts[0], tuple(p for p in parts[1:] if p)
    if not asked:
        raise SurveyError(f"line {number}: the question text is empty")
    if kind == "choice" and len(choices) < 2:
        raise SurveyError(f"line {number}: a choice question needs at least two choices (a | b)")
    if kind != "choice" and choices:
        raise SurveyError(f"line {number}: only choice questions take choices")
    return Question(kind, asked[:300], tuple(c[:100] for c in choices))


def questions_text(questions: tuple[Question, ...]) -> str:
    """The console text of ``questions`` (what ``parse_questions`` reads back)."""
    return "\n".join(" | ".join([f"{q.kind}: {q.text}", *q.choices]) for q in questions)


def prompt(question: Question, index: int, total: int) -> str:
    """Question ``index`` (0-based) as the member reads it, with how to answer."""
    head = f"({index + 1}/{total}) {question.text}"
    if question.kind == "choice":
        listed = "\n".join(f"{n}. {c}" for n, c in enumerate(question.choices, start=1))
        return f"{head}\n{listed}\n请回复序号或选项。"
    if question.kind == "scale":
        return f"{head}\n请回复 {SCALE[0]}–{SCALE[1]} 的数字。"
    return head


@dataclass(frozen=True)
class Parsed:
    """An answer that fits (``value``), or what to ask again (``reask``)."""

    value: str | int | None = None
    reask: str = ""


def parse_answer(question: Question, text: str) -> Parsed:
    """The member's reply ``text`` as an answer to ``question``, or a clear re-ask."""
    said = unicodedata.normalize("NFKC", text).strip()
    if not said:
        return Parsed(reask="请回复内容。")
    if question.kind == "text":
        return Parsed(value=text.strip()[:MAX_TEXT])
    number = _number(said)
    if question.kind == "scale":
        low, high = SCALE
        if number is None:
            return Parsed(reask=f"没看懂，请回复 {low} 到 {high} 之间的一个数字。")
        if not low <= number <= high:
            return Parsed(reask=f"{number} 不在 {low} 到 {high} 之间，请回复 {low}–{high} 的数字。")
        return Parsed(value=number)
    folded = said.casefold()
    for choice in question.choices:
        if folded == unicodedata.normalize("NFKC", choice).casefold():
            return Parsed(value=choice)
    if number is not None and 1 <= number <= len(question.choices):
        return Parsed(value=question.choices[number - 1])
    return Parsed(reask=f"请回复 1 到 {len(question.choices)} 的序号，或选项原文。")


def _number(said: str) -> int | None:
    """The one number in ``said`` (digits, already NFKC, or a Chinese 一…九); None otherwise."""
    numbers = _NUMBER.findall(said)
    if len(numbers) == 1:
        return int(numbers[0])
    if not numbers:
        found = [value for char, value in _CN_DIGITS.items() if char in said]
        if len(found) == 1 and len(said) <= 4:  # "四", "四分", "打五分": not a sentence
            return found[0]
    return None


def summary(questions: tuple[Question, ...], answers: list[list[Any]]) -> list[dict[str, Any]]:
    """Per question: how many answered, counts per choice, mean scale, the texts.

    ``answers``: each response's answers so far, in question order.
    """
    rows = []
    for index, question in enumerate(questions):
        given = [a[index] for a in answers if len(a) > index and a[index] is not None]
        row: dict[str, Any] = {"question": question, "answered": len(given)}
        if question.kind == "choice":
            row["counts"] = [(c, sum(1 for g in given if g == c)) for c in question.choices]
        elif question.kind == "scale":
            scores = [int(g) for g in given if isinstance(g, int)]
            row["mean"] = round(mean(scores), 2) if scores else None
            row["counts"] = [(str(s), scores.count(s)) for s in range(SCALE[0], SCALE[1] + 1)]
        else:
            row["texts"] = [str(g) for g in given]
        rows.append(row)
    return rows


# --- the rule ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class SurveyAnswer(Action):
    """Keep ``member``'s ``answer`` to question ``index`` of survey response ``response``.

    A store action (``surveys_actions.record_answer``): the response, the archive's
    record and, for needs/offers questions, the archive's empty fields.
    """

    member: Actor
    response: int
    index: int
    answer: str


class SurveyAnswersConfig(RuleConfig):
    """``prefix``: what marks a message as an answer (``回访 4``).

    ``bare_direct``: take every message of a member asked by direct message as an
    answer, unmarked. Only for a connector that hands the rule the replies of a
    direct conversation and nothing of the member's group chat: where both reach
    the group's stream, unmarked group chat would be taken for answers.
    """

    prefix: str = Field(default="回访", min_length=1, max_length=20)
    bare_direct: bool = False


class SurveyAnswers:
    """A member's reply to their open survey → ``SurveyAnswer`` and the next question."""

    name: ClassVar[str] = "surveys"
    Config: ClassVar[type[RuleConfig]] = SurveyAnswersConfig
    greets: ClassVar[bool] = False

    def __init__(self, config: SurveyAnswersConfig) -> None:
        self.config = config

    def __call__(self, event: Event, state: GroupState) -> list[Action]:
        actor = event.actor
        if not isinstance(event, MessagePosted | DirectMessage) or actor is None or actor.is_bot:
            return []
        survey = state.open_survey(actor.id)
        if survey is None or survey.answered >= len(survey.questions):
            return []
        text = self._answer_text(event, survey)
        if text is None:
            return []
        question = survey.questions[survey.answered]
        parsed = parse_answer(question, text)
        if parsed.value is None:
            return [self._say(event, actor, survey, parsed.reask, "survey answer re-asked")]
        record = SurveyAnswer(
            platform=event.platform, group=event.group, rule=self.name, member=actor,
            reason=f"answer {survey.answered + 1}/{len(survey.questions)} of {survey.title}",
            response=survey.response, index=survey.answered, answer=str(parsed.value),
        )  # fmt: skip
        following = survey.answered + 1
        if following < len(survey.questions):
            after = prompt(survey.questions[following], following, len(survey.questions))
        else:
            after = "谢谢你的回答！已记录。"
        return [record, self._say(event, actor, survey, after, "survey next question")]

    def _answer_text(self, event: MessagePosted | DirectMessage, survey: SurveyView) -> str | None:
        """The answer in the message; None when it is not marked as one.

        Words written to the bot directly need no mark: nothing else is said there.
        """
        text = event.text
        if isinstance(event, DirectMessage) or (survey.via == "direct" and self.config.bare_direct):
            return text
        said = unicodedata.normalize("NFKC", text).lstrip()
        prefix = unicodedata.normalize("NFKC", self.config.prefix)
        if not said.startswith(prefix):
            return None
        return said[len(prefix) :].lstrip(" :：")

    def _say(
        self,
        event: MessagePosted | DirectMessage,
        actor: Actor,
        survey: SurveyView,
        text: str,
        why: str,
    ) -> Action:
        """Direct surveys answer directly (Warn); group ones reply to the member's message."""
        if survey.via == "group" and isinstance(event, MessagePosted):
            return Reply(
                platform=event.platform, group=event.group, rule=self.name, reason=why,
                message_id=event.event_id, text=text,
            )  # fmt: skip
        return Warn(
            platform=event.platform, group=event.group, rule=self.name, reason=why,
            member=actor, text=text,
        )  # fmt: skip
