"""Known resource matches in the demo: a need, the member who can meet it, their proven answers.

In 星河·创业者交流群, ``NEEDY`` needs 跨境电商物流 and ``EXPERT`` offers 跨境电商物流
and 清关 (industry and tags to match); over the last weeks the expert answered
three members' 清关 questions, and each asker thanked them. Matching must find
the expert for the need, and a new 清关 question in the group must be routed to
the expert. Drawn from its own RNG, after the group's history, so that every
draw of the demo's own RNG stays as it was (only these nine messages and the two
members' archive fields are new).
"""

from __future__ import annotations

import random
from datetime import timedelta

from shequn.demo.sim import GroupSim
from shequn.demo.world import END, Persona

NEEDY = 12  # index in the social group's people
EXPERT = 25
ASKERS = (8, 17, 23)  # founders: present all along
NEED = "跨境电商物流"
OFFER = "跨境电商物流、清关"
QUESTIONS = (
    "请问清关一般要准备哪些材料？",
    "有没有人做过海外仓的清关？关税怎么算",
    "谁知道跨境电商的货被海关扣了怎么处理？",
)
ANSWERS = (
    "清关要发票、装箱单、报关委托书，品类不同还要证书，我们每周都在清",
    "海外仓清关我们做了三年，关税按申报价值算，可以私聊给你模板",
    "先别急，找报关行补资料，一般三到五天能放行，我帮你看看单据",
)


def known_matches(sim: GroupSim, people: list[Persona]) -> None:
    """Give the needy member their need, the expert their offer, and the expert's answers."""
    rng = random.Random(10)
    needy, expert = people[NEEDY], people[EXPERT]
    needy.need = NEED
    expert.offer = OFFER
    expert.industry = "跨境电商"
    expert.tags = ("跨境电商物流", "清关")
    for week, (i, question, answer) in enumerate(zip(ASKERS, QUESTIONS, ANSWERS, strict=True)):
        asker = people[i]
        day = END - timedelta(days=7 * (3 - week) + 2)
        sec = rng.randrange(10 * 3600, 20 * 3600)
        asked = sim.say(day, sec, asker, question)
        said = sim.say(day, sec + 300, expert, answer, reply_to=asked, mention=asker)
        sim.say(day, sec + 900, asker, "太感谢了！", reply_to=said, mention=expert)
