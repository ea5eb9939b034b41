"""The poster text (海报文案) that goes with a member's invite code, in Chinese and English.

A member shares it (as text, or under their QR poster); whoever joins and sends
the code is attributed to that member and the code's campaign
(``community.referral_actions.attribute_code``). Pure: the caller passes the
names, so untrusted text is escaped wherever the poster is shown.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Poster:
    zh: str
    en: str


def poster_text(community: str, member: str, number: int, code: str, campaign: str = "") -> Poster:
    """The poster of ``member``'s ``code`` for ``community`` (and ``campaign``, if any)."""
    zh = [f"【{community}】诚邀你加入"]
    en = [f"Join {community}"]
    if campaign:
        zh.append(f"活动：{campaign}")
        en.append(f"Campaign: {campaign}")
    zh += [
        f"我是{member}（群友编号 {number}），邀请你来一起交流。",
        f"入群后请在群里发送我的邀请码：{code}",
        "邀请码只对应我本人，入群后请先做自我介绍。",
    ]
    en += [
        f"{member} (member #{number}) invites you to join the conversation.",
        f"Once in the group, send my invite code: {code}",
        "The code is mine alone; please introduce yourself when you arrive.",
    ]
    return Poster(zh="\n".join(zh), en="\n".join(en))
