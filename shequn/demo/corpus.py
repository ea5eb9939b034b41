"""Chinese names and lines for the demo community, drawn with a seeded RNG."""

from __future__ import annotations

import random

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
    "刚",
    "桂英",
    "晓",
    "晨",
    "欣",
    "宇",
    "浩",
    "然",
    "婷",
    "雪",
    "琳",
    "子轩",
    "雨涵",
    "梓涵",
    "一诺",
    "思远",
    "嘉怡",
    "俊杰",
    "文博",
    "天佑",
    "若曦",
    "沐阳",
    "佳琪",
    "晓峰",
    "海燕",
    "志强",
    "建华",
    "丽华",
    "国庆",
    "春梅",
    "秋实",
    "立新",
    "少华",
    "安琪",
    "可欣",
    "宏伟",
    "鹏飞",
    "雅婷",
    "梦瑶",
    "博文",
    "乐天",
    "诗雨",
    "明轩",
    "逸飞",
    "晴",
    "昊",
    "瑶",
    "凯",
    "琦",
]
CITIES = (
    "北京",
    "上海",
    "深圳",
    "杭州",
    "广州",
    "成都",
    "武汉",
    "南京",
    "西安",
    "苏州",
    "厦门",
    "长沙",
)
INDUSTRIES = (
    "跨境电商",
    "SaaS",
    "新消费",
    "教育培训",
    "内容创作",
    "私域运营",
    "供应链",
    "投资",
    "设计",
    "法律服务",
    "人力资源",
    "医疗健康",
)
SKILLS = (
    "短视频运营",
    "小红书投放",
    "融资BP",
    "财税合规",
    "跨境物流",
    "清关",
    "品牌设计",
    "招聘",
    "社群裂变",
    "直播带货",
    "供应链金融",
    "用户增长",
    "产品定价",
    "合同审核",
)

CHAT = (
    "大家早上好！今天也要元气满满☀️",
    "刚看完那篇关于私域的文章，收获很大",
    "哈哈哈这个太真实了",
    "同意楼上，我们团队也是这么做的",
    "周末有人在{city}吗？约个咖啡",
    "今天的分享太干了，笔记已整理",
    "有点忙，晚上再爬楼😂",
    "这个思路不错，回头试试",
    "谢谢分享！",
    "收藏了🙏",
    "晚安各位",
    "最近行情怎么样？",
    "这个案例我们去年也踩过坑",
    "[图片]",
    "👍👍👍",
)
QUESTIONS = (
    "请问有人做过{skill}吗？想请教一下",
    "有没有人推荐靠谱的{skill}服务商？",
    "谁知道{city}这边{industry}的政策怎么申请？",
    "求推荐一本讲{skill}的书",
    "想问下大家{skill}一般怎么收费？",
    "新人求助：{skill}从哪里入手比较好？",
)
ANSWERS = (
    "我们做过，可以私聊你，主要看预算和周期",
    "推荐你先看看官方文档，再找个案例拆解",
    "这个我熟，{skill}关键是前三个月的节奏",
    "我有个朋友专门做这个，回头拉你们认识",
    "去年我们就是这么解决的，效果还不错",
    "可以参考上周分享的那份资料",
)
THANKS = ("太感谢了！", "收到，谢谢大佬🙏", "学到了，感谢", "明白了，谢谢！")
INTRO = (
    "自我介绍：我是{name}，在{city}做{industry}。\n"
    "需要资源：{need}方面的合作伙伴\n"
    "拥有资源：{offer}经验，欢迎交流"
)
WELCOME = ("欢迎{name}！", "欢迎新朋友👏", "欢迎欢迎，{name}是做{industry}的吧？", "欢迎加入～")
FAN_CHAT = (
    "主播今天直播几点开始？",
    "上次的福利还有吗",
    "求链接！",
    "已下单，坐等发货",
    "有人拼单吗",
    "这个颜色好看",
    "冲冲冲",
    "在吗在吗",
    "[表情]",
    "同问",
)
ADS = (
    "出售各类高仿包包，需要的加微信 vx_{n}，链接 http://t.cn/{n}",
    "兼职刷单日赚300，详情 https://bit.ly/{n} 联系QQ {n}",
    "低价代购，扫码进群 http://qr.example/{n}",
)
RED_PACKET = "[红包] 恭喜发财，大吉大利"
RED_PACKET_THANKS = ("谢谢老板！", "手气最佳🎉", "又抢到了", "谢谢红包", "老板大气")
CHECKIN = (
    "打卡 Day{day} 今日完成{words}字",
    "签到✅ 第{day}天",
    "打卡：今天练习了{words}字，继续加油",
)
COURSE = ("老师，作业已提交", "第{day}课的作业有点难", "收到，马上完成", "请问今晚几点上课？")
PAID_TALK = (
    "本周的{skill}复盘：我们把转化率从3%做到了7%",
    "私董会的案例拆解很有价值，建议大家都看",
    "下个月线下闭门会，我报名",
    "这个模型我们内部也在用，数据可以共享",
    "有个{industry}的项目想找人一起看看",
)
HIKE = (
    "这周六{place}，有人一起吗？",
    "报名+1",
    "上次的照片发群里了[图片]",
    "天气预报说周末下雨😭",
    "我带零食！",
    "几点集合？",
)
PLACES = ("香山", "灵山", "凤凰岭", "十渡", "妙峰山", "百望山")


def person_names(rng: random.Random, count: int) -> list[str]:
    """``count`` distinct Chinese names, reproducible for a given RNG state."""
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < count:
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def fill(template: str, rng: random.Random, **known: object) -> str:
    """A template with its blanks filled from the corpus (or from ``known``)."""
    values: dict[str, object] = {
        "city": rng.choice(CITIES),
        "industry": rng.choice(INDUSTRIES),
        "skill": rng.choice(SKILLS),
        "place": rng.choice(PLACES),
        "n": rng.randrange(10_000, 99_999),
        "day": rng.randrange(1, 30),
        "words": rng.randrange(300, 2000),
    }
    values.update(known)
    return template.format(**values)
