"""The admission rule's default messages to members, in Chinese and English.

Operators may replace each in the group's settings; these are used when a text
is left empty. Fields: {name}, {group}; the waiting list adds {capacity} and
{position}; a rejection adds {reason}.
"""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "zh": {
        "ask": "欢迎 {name} 申请加入「{group}」！入群前请完成以下步骤：",
        "ask_code": "· 请回复邀请你的群友给你的邀请码（没有邀请码请等待管理员审核）。",
        "ask_questions": "· 请回答以下问题（每条消息回答一题）：",
        "ask_screening": "· 管理员审核后会通知你结果。",
        "ask_payment": "· 本群为付费群，订单确认付款后即可入群。",
        "waitlist": "{name}，「{group}」目前已满（上限 {capacity} 人）。"
        "你排在候补名单第 {position} 位，有空位时我们会第一时间通知你。",
        "seat": "{name}，「{group}」有空位了，欢迎重新加入！",
        "approved": "{name}，你的入群申请已通过，欢迎加入「{group}」！",
        "rejected": "{name}，很抱歉，你加入「{group}」的申请未通过（{reason}）。"
        "感谢你的关注，祝一切顺利。",
    },
    "en": {
        "ask": "Welcome, {name}! Before you join {group}, please:",
        "ask_code": "· reply with the invite code a member gave you (without one, an operator "
        "will review your request);",
        "ask_questions": "· answer these questions (one message per answer):",
        "ask_screening": "· an operator will review your request and let you know.",
        "ask_payment": "· this is a paid group: you are admitted once your order is paid.",
        "waitlist": "{name}, {group} is full ({capacity} members). You are number {position} on "
        "the waiting list; we will tell you as soon as a seat frees.",
        "seat": "{name}, a seat in {group} is free: you are welcome to join again!",
        "approved": "{name}, your request was approved: welcome to {group}!",
        "rejected": "{name}, we are sorry: your request to join {group} was not accepted "
        "({reason}). Thank you for your interest, and all the best.",
    },
}


def render(template: str, **values: str) -> str:
    """Fill ``{name}``-style fields; a template with a broken field is used as written."""
    try:
        return template.format_map(values)
    except (KeyError, IndexError, ValueError):
        return template
