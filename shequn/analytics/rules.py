"""The diagnosis rules, one function each, declared in RULES in the order they are asked.

Thresholds come from the seeds where they give numbers (≈50 and 150 members,
more than four people talking at once, 5/20/75 tiers) and are otherwise set
conservatively; each rule says why in its docstring.
"""

from __future__ import annotations

from shequn.analytics.diagnosis import Finding, Results, Rule, finding, pct, value
from shequn.analytics.rules_people import (
    exit_test,
    few_talk,
    lurkers,
    newcomers,
    no_soul,
    silent_newcomers,
)

SEGMENT_ZH = {"industry": "行业", "city": "城市"}


def dead_group(results: Results, kind: str) -> list[Finding]:
    """A dead group: dissolve and rebuild; reviving one costs more than building five."""
    if not value(results, "lifecycle", "dead", False):
        return []
    reasons = results["lifecycle"].evidence.get("dead_reasons", [])
    last = value(results, "lifecycle", "last_message_at", "—")
    if kind == "student":
        return [course_over(last, reasons)]
    return [
        finding(
            "dead_group",
            "red",
            "PLAYBOOK §3 死群",
            (
                f"死群：最后一条消息在 {last[:10]}，活跃已归零",
                "不要花力气复活：解散后按清晰定位重建新群，把仍有联系的成员带过去（复活一个群比新建五个还难）。",
            ),
            (
                f"Dead group: last message on {last[:10]}, activity has stopped",
                "Don't try to revive it: dissolve it and rebuild a new group with a clear positioning, "
                "bringing along the members who are still linked (reviving costs more than building five).",
            ),
            {"reasons": reasons, "last_message_at": last},
        )
    ]


def too_big(results: Results, kind: str) -> list[Finding]:
    """Dunbar ~150; under ~50 a group talks by itself; hundreds chatting freely is noise."""
    band = value(results, "size", "band")
    members = value(results, "size", "members", 0)
    if band not in {"large", "crowd"} or (kind == "student" and band == "large"):
        return []
    size = results["size"]
    split = size.evidence.get("split", [])
    segment = size.evidence.get("segment_field")
    groups = value(results, "size", "groups_needed", 1)
    by_zh = f"按{SEGMENT_ZH.get(segment, '兴趣')}" if segment else "按主题"
    by_en = f"by {segment}" if segment else "by topic"
    severity = "red" if band == "crowd" else "amber"
    return [
        finding(
            "too_big",
            severity,
            "PLAYBOOK §5 规模 (Dunbar 150)",
            (
                f"群规模 {members} 人，远超 150：建议{by_zh}拆分为 {groups} 个群",
                "超过 150 人，成员之间已无法彼此认识，自由闲聊只剩噪音。拆分成若干小群，每群有自己的群主和栏目。",
            ),
            (
                f"{members} members, far beyond 150: split {by_en} into {groups} groups",
                "Beyond ~150 people members can no longer know each other and free chat turns into "
                "noise. Split into smaller groups, each with its own host and columns.",
            ),
            {"members": members, "split": split},
        )
    ]


def needs_rules(results: Results, kind: str) -> list[Finding]:
    """Above ~50 members a group needs strong rules and activities to keep order."""
    if value(results, "size", "band") != "medium" or kind == "student":
        return []
    members = value(results, "size", "members", 0)
    return [
        finding(
            "needs_rules",
            "info",
            "PLAYBOOK §5 规模",
            (
                f"{members} 人，已过 50 人：需要明确群规和固定活动",
                "50 人以上是“半陌生人分享”，靠自然聊天撑不住：定群规、设栏目和闲聊时段。",
            ),
            (
                f"{members} members, past 50: needs clear rules and regular activities",
                "Above ~50 it is semi-strangers sharing: set group rules, columns and chat windows.",
            ),
        )
    ]


def course_over(last: str, reasons: list[str]) -> Finding:
    """A student group falls silent when its course ends: expected, not a failure."""
    return finding(
        "course_over",
        "info",
        "PLAYBOOK §1 学员群不是社群",
        (
            f"课程已结束：最后一条消息在 {last[:10]}",
            "学员群按秩序和完成度评估，不必复活：把坚持到最后的学员邀请进付费群或核心群，其余可解散。",
        ),
        (
            f"The course is over: last message on {last[:10]}",
            "A student group is judged on order and completion; don't revive it. Invite the "
            "students who finished into a paid or core group and dissolve the rest.",
        ),
        {"reasons": reasons, "last_message_at": last},
    )


def scroll_load(results: Results, kind: str) -> list[Finding]:
    """More than ~4 people talking at once is chaos; a heavy backlog loses readers."""
    crowded = value(results, "load", "crowded_share")
    if kind == "student":
        crowded = None  # everyone checking in at the same hour is the point, not chaos
    per_day = value(results, "load", "messages_per_day", 0.0)
    if (crowded is None or crowded < 0.15) and per_day < 300:
        return []
    return [
        finding(
            "scroll_load",
            "amber",
            "PLAYBOOK §3 超过四人同时说话就乱",
            (
                f"爬楼负担重：每天约 {per_day:.0f} 条消息，{pct(crowded)} 的活跃小时有 4 人以上同时说话",
                "设闲聊时段、把讨论集中到栏目时间，每天发一份精华摘要，重要通知单独发。",
            ),
            (
                f"Heavy scroll-back: ~{per_day:.0f} messages a day; {pct(crowded)} of active hours "
                "have more than four people talking at once",
                "Set chat windows, gather discussion into columns, post a daily essence digest, "
                "and send important news one to one.",
            ),
            {"crowded_hours": results["load"].evidence.get("crowded_hours", [])[:10]},
        )
    ]


def decay(results: Results, kind: str) -> list[Finding]:
    """Strong start, light later: a steady decline of weekly active members is a warning."""
    trend = value(results, "lifecycle", "weekly_active_trend")
    if trend is None or trend > -0.08 or value(results, "lifecycle", "dead", False):
        return []
    return [
        finding(
            "decay",
            "amber",
            "PLAYBOOK §3 持续刺激",
            (
                f"活跃在衰退：每周活跃人数平均每周下降 {pct(-trend)}",
                "换一种刺激：打卡、接龙、嘉宾分享、线下活动轮换，别只靠分享。",
            ),
            (
                f"Activity is decaying: weekly active members fall {pct(-trend)} a week",
                "Vary the stimulation: rotate check-ins, jielong, guest shares and meetups, not sharing alone.",
            ),
        )
    ]


def ads(results: Results, kind: str) -> list[Finding]:
    """Clear unrelated ads fast, but don't over-manage."""
    count = value(results, "quality", "ads", 0)
    if count == 0:
        return []
    evidence = {k: results["quality"].evidence.get(k) for k in ("ads", "advertisers")}
    return [
        finding(
            "ads",
            "amber",
            "PLAYBOOK §3 广告",
            (
                f"发现 {count} 条疑似广告，来自 {value(results, 'quality', 'advertisers', 0)} 人",
                "尽快清理并提醒（警告 → 禁言 → 移出）；不要扫码即进，改为邀请制。",
            ),
            (
                f"{count} likely ads from {value(results, 'quality', 'advertisers', 0)} members",
                "Clear them fast with warn → mute → remove, and stop open QR joins in favour of invitations.",
            ),
            evidence,
        )
    ]


def red_packet_silence(results: Results, kind: str) -> list[Finding]:
    """Red-packet bursts wake a group for minutes (诈尸) and it sleeps again (躺尸)."""
    bursts = results["quality"].evidence.get("bursts", []) if "quality" in results else []
    quiet = [
        b for b in bursts if b.get("after_per_day", 0) < 0.5 * max(b.get("before_per_day", 0), 1)
    ]
    if not quiet:
        return []
    return [
        finding(
            "red_packet_silence",
            "amber",
            "PLAYBOOK §3 持续刺激",
            (
                f"{len(quiet)} 次红包只换来片刻热闹，之后群里更冷清",
                "红包不能代替内容：用栏目和活动带来持续的讨论。",
            ),
            (
                f"{len(quiet)} red-packet bursts bought minutes of noise, then silence",
                "Red packets can't replace content: columns and activities bring lasting talk.",
            ),
            {"bursts": quiet},
        )
    ]


def outflow(results: Results, kind: str) -> list[Finding]:
    """Bring in new blood regularly and remove people regularly; watch the balance."""
    joins = value(results, "flow", "joins", 0)
    leaves = value(results, "flow", "leaves", 0)
    if leaves <= joins or leaves < 3:
        return []
    return [
        finding(
            "outflow",
            "amber",
            "PLAYBOOK §3 新陈代谢",
            (
                f"走的人比来的人多：加入 {joins}，离开 {leaves}",
                "回访离开的人，看看是群的定位还是内容出了问题。",
            ),
            (
                f"More leave than join: {joins} joined, {leaves} left",
                "Follow up with those who left: is it the group's positioning or its content?",
            ),
            {"by_inviter": results["flow"].evidence.get("by_inviter", [])[:10]},
        )
    ]


RULES: list[Rule] = [
    dead_group,
    too_big,
    needs_rules,
    few_talk,
    newcomers,
    silent_newcomers,
    lurkers,
    scroll_load,
    exit_test,
    no_soul,
    decay,
    ads,
    red_packet_silence,
    outflow,
]
