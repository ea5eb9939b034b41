"""Diagnosis rules about people: who talks, newcomers, silent members, ties, the soul figure."""

from __future__ import annotations

from shequn.analytics.diagnosis import COMMUNITY_KINDS, Finding, Results, finding, pct, value


def few_talk(results: Results, kind: str) -> list[Finding]:
    """Let the majority speak: a few voices carrying the group make the rest silent."""
    share = value(results, "concentration", "top5_share")
    half = value(results, "concentration", "half_writers", 0)
    members = value(results, "concentration", "members", 0)
    if share is None or members < 10 or kind == "student" or share < 0.4:
        return []
    top = results["concentration"].evidence.get("top", [])[:5]
    severity = "red" if share >= 0.6 else "amber"
    return [
        finding(
            "few_talk",
            severity,
            "PLAYBOOK §3 让大多数人说话",
            (
                f"只有少数人在说话：前 5% 的成员发了 {pct(share)} 的消息，{half} 人写了一半",
                "请活跃者带新人、点名邀请沉默成员回答具体问题，话题从“分享”换成人人能答的问题。",
            ),
            (
                f"Only a few talk: the top 5% wrote {pct(share)} of messages; {half} people wrote half",
                "Ask the active few to bring others in, invite silent members by name with concrete "
                "questions, and switch from sharing to questions anyone can answer.",
            ),
            {"top": top, "half_writers": half},
        )
    ]


def lurkers(results: Results, kind: str) -> list[Finding]:
    """Give silent members presence; tell those who can't scroll back one to one."""
    share = value(results, "lurkers", "silent_share")
    if share is None or share < 0.6 or kind == "student":
        return []
    silent = results["lurkers"].evidence.get("silent", [])[:20]
    return [
        finding(
            "lurkers",
            "amber",
            "PLAYBOOK §3 给沉默成员存在感",
            (
                f"{pct(share)} 的成员在这段时间里一句话都没说",
                "挑几位潜水成员私聊了解需要，在群里介绍他们的专长；重要通知单独发给不爬楼的人。",
            ),
            (
                f"{pct(share)} of members said nothing in this period",
                "Message a few lurkers one to one, introduce their strengths in the group, and send "
                "important news directly to those who don't scroll back.",
            ),
            {"silent": silent},
        )
    ]


def newcomers(results: Results, kind: str) -> list[Finding]:
    """Respond quickly when a newcomer speaks; let veterans welcome newcomers."""
    n = value(results, "newcomers", "newcomers", 0)
    if n < 3:
        return []
    nobody = value(results, "newcomers", "replied_by", {}).get("nobody", 0)
    spoke = value(results, "newcomers", "spoke", 0)
    minutes = value(results, "newcomers", "median_minutes_to_reply")
    unanswered = nobody / spoke if spoke else None
    waiting = results["newcomers"].evidence.get("waiting", [])[:20]
    if unanswered is not None and unanswered >= 0.3:
        return [
            finding(
                "newcomers_unanswered",
                "red",
                "PLAYBOOK §3 新人冒泡要快速回应",
                (
                    f"新人冒泡没人接：{spoke} 位开口的新人中 {nobody} 位没有得到回应",
                    "安排小助手或老成员在新人第一次发言后几分钟内回应，并按自我介绍把他介绍给合适的人。",
                ),
                (
                    f"Newcomers go unanswered: {nobody} of {spoke} who spoke got no reply",
                    "Have the assistant or a veteran answer a newcomer's first message within minutes "
                    "and introduce them to the right people.",
                ),
                {"waiting": waiting},
            )
        ]
    if minutes is not None and spoke:
        return [
            finding(
                "newcomers_answered",
                "green",
                "PLAYBOOK §3 新人冒泡要快速回应",
                (
                    f"新人第一次发言后中位 {minutes:.0f} 分钟得到回应",
                    "保持：让老成员继续欢迎新人。",
                ),
                (
                    f"Newcomers' first messages get a reply in {minutes:.0f} min (median)",
                    "Keep it up: let veterans keep welcoming newcomers.",
                ),
            )
        ]
    return []


def silent_newcomers(results: Results, kind: str) -> list[Finding]:
    """Newcomers who never speak are lost in the first week: the entry ritual exists for them."""
    share = value(results, "newcomers", "never_spoke_share")
    n = value(results, "newcomers", "newcomers", 0)
    if share is None or n < 5 or share < 0.5:
        return []
    return [
        finding(
            "silent_newcomers",
            "amber",
            "PLAYBOOK §4 入群仪式",
            (
                f"{n} 位新人中 {pct(share)} 从未发言",
                "启用入群仪式：欢迎语 + 自我介绍模板（我是谁 / 需要资源 / 拥有资源），由老成员接话。",
            ),
            (
                f"{pct(share)} of {n} newcomers never spoke",
                "Turn on the entry ritual: a welcome and the intro template (who I am / what I need / "
                "what I offer), answered by veterans.",
            ),
            {"silent": results["newcomers"].evidence.get("silent", [])[:50]},
        )
    ]


def exit_test(results: Results, kind: str) -> list[Finding]:
    """The exit test: would members still be linked if the group vanished?"""
    share = value(results, "exit_test", "tied_share")
    if (
        share is None
        or kind not in COMMUNITY_KINDS
        or value(results, "exit_test", "members", 0) < 3
    ):
        return []
    biggest = value(results, "exit_test", "largest_connected_share")
    untied = value(results, "exit_test", "untied", 0)
    evidence = {k: results["exit_test"].evidence.get(k) for k in ("dimensions", "untied")}
    if share >= 0.3:
        return [
            finding(
                "exit_test_pass",
                "green",
                "PLAYBOOK §1 退群测试",
                (
                    f"退群测试通过：{pct(share)} 的成员两两之间在群外也有联系，最大连通圈占 {pct(biggest)}",
                    "继续把线上关系带到线下：聚会、合作和资源对接都会增加链接维度。",
                ),
                (
                    f"Exit test passed: {pct(share)} of member pairs are tied outside the group; "
                    f"the largest connected set holds {pct(biggest)}",
                    "Keep moving ties offline: meetups, collaboration and resource matching add dimensions.",
                ),
                evidence,
            )
        ]
    severity = "red" if share < 0.05 else "amber"
    return [
        finding(
            "exit_test_weak",
            severity,
            "PLAYBOOK §1 退群测试",
            (
                f"退群测试不及格：只有 {pct(share)} 的成员对在群外有联系，{untied} 人与任何人都没有链接",
                "组织线下见面、做资源对接、介绍新人给具体的人：每多一个链接维度，社群就更真实。",
            ),
            (
                f"Exit test weak: only {pct(share)} of pairs are tied outside the group; "
                f"{untied} members are tied to nobody",
                "Organise meetups, match needs with offers, introduce newcomers to specific people: "
                "every added link dimension makes the community more real.",
            ),
            evidence,
        )
    ]


def no_soul(results: Results, kind: str) -> list[Finding]:
    """A healthy group gathers around a soul figure; without one it drifts."""
    if "structure" not in results or kind not in COMMUNITY_KINDS:
        return []
    soul = results["structure"].evidence.get("soul")
    if soul:
        return [
            finding(
                "soul_figure",
                "green",
                "PLAYBOOK §2 灵魂人物",
                (
                    f"灵魂人物：{soul.get('name', '')}，{soul.get('reach', 0)} 位成员与其互动",
                    "让灵魂人物带出更多中咖，避免所有互动都压在一个人身上。",
                ),
                (
                    f"Soul figure: {soul.get('name', '')}, who {soul.get('reach', 0)} members interact with",
                    "Let the soul figure bring up more mid-tier members so that not everything rests on one person.",
                ),
                {"soul": soul},
            )
        ]
    return [
        finding(
            "no_soul",
            "amber",
            "PLAYBOOK §2 灵魂人物",
            (
                "没有灵魂人物：没有一个人是大家围绕互动的中心",
                "确定一位群主或核心成员做灵魂人物：固定出现、回答问题、串联成员。",
            ),
            (
                "No soul figure: nobody the group gathers around",
                "Name an owner or core member as the soul figure: present every day, answering and connecting.",
            ),
        )
    ]
