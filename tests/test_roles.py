"""The role a group states, read from self-descriptions in their own words."""

import pytest

from agent.persona.roles import group_role, head_of, role_phrase, says_who, stated_roles
from evals.metrics.claims import name_states_role, role_head


@pytest.mark.parametrize("text,lang,role", [
    ("I'm a nurse on rotating night shifts at a city hospital.", "en", "nurse"),
    ("Night-shift nurse here: please add a map.", "en", "night-shift nurse"),
    ("Commuter.", "en", "commuter"),
    ("Whatever.", "en", None),            # a person noun's ending, no person
    ("Error.", "en", None),
    ("As a mum of two, I love it.", "en", "parent"),
    ("I'm an engineer about to move overseas.", "en", "engineer"),
    ("我是医院的夜班护士，经常通宵上班。", "zh", "夜班护士"),
    ("本人在读研究生，平时住校。", "zh", "研究生"),
    ("学生党一枚，打开餐盒发现汤是温的。", "zh", "学生"),
    ("当老师的说两句：", "zh", "老师"),
    ("本人甲减，需要长期吃药。", "zh", None),   # a condition, not a person
    ("配送太慢了。", "zh", None),
    ("I am 74 and the letters are tiny.", "en", "older customer"),   # never one person's age
    ("I'm 35, and busy.", "en", None),
    ("我今年七十多岁了，菜单太多。", "zh", "老年用户"),
    ("I'm retired, so I have time.", "en", "retiree"),
    ("我退休好几年了。", "zh", "退休人员"),
    # what someone does says who they are, for verbs of work and daily life only
    ("I work the graveyard shift at a warehouse.", "en", "night-shift worker"),
    ("I usually commute into the city by train.", "en", "commuter"),
    ("I travel for work twice a month.", "en", "business traveller"),
    ("I teach Year 9 maths.", "en", "teacher"),
    ("I love the new layout.", "en", None),
    ("I use it every morning.", "en", None),
    ("我在物流仓库上夜班，晚上十点到早上六点。", "zh", "夜班族"),
    ("本人每天开车通勤，路上四十分钟。", "zh", "通勤族"),
    ("夜班族报到：平时太忙没时间做饭。", "zh", "夜班族"),
    ("本人是保安，一般半夜才开始值班。", "zh", "保安"),
    ("我是退休老会计，眼神不好。", "zh", "退休人员"),
    ("As a retired teacher, I have time.", "en", "retiree"),
    # a stop word ends the phrase only as a whole word; a participle ends it too
    ("As a small online shop owner, I edit every photo.", "en", "small online shop owner"),
    ("Speaking as a professional preparing to relocate, I need grammar.", "en", "professional"),
    ("As an older sibling, I share the account.", "en", "older sibling"),
    ("I sell handmade candles through my own web shop.", "en", "seller"),
    ("作为退休人员，时间比较多。", "zh", "退休人员"),    # not the generic 人员 alone
    ("我是退休老教师，眼神不好。", "zh", "退休人员"),
    # an age in words, a retirement in the past tense, "someone who …" read as "I …"
    ("I'm seventy-three and my eyes are bad.", "en", "older customer"),
    ("Speaking as someone in their early seventies, the font is small.", "en",
     "older customer"),
    ("I retired from teaching two years ago.", "en", "retiree"),
    ("As someone who flies for work, I book early.", "en", "business traveller"),
    ("As someone who works nights, I order late.", "en", "night-shift worker"),
    ("As someone who loves jazz, it is great.", "en", None),
    ("I'm revising for my chemistry exam next week.", "en", "exam candidate"),
    ("I'm taking a test drive.", "en", None),
    ("本人今年六十九了，字太小。", "zh", "老年用户"),
    ("我年纪大了，手机字看不清。", "zh", "老年用户"),
    ("我都三十了，还在租房。", "zh", None),
    ("我大二，住宿舍。", "zh", "大学生"),
    ("本人高二，周末才有空。", "zh", "高中生"),
    ("我大概明天到。", "zh", None),
    ("我正在备考托福。", "zh", "考生"),
    ("We've got two children at primary school.", "en", "parent"),
    ("I have a question.", "en", None),
    ("Single mum, two jobs.", "en", "parent"),
    ("As someone who collects postcards, I browse daily.", "en", "collector"),
    ("I manage a small support team.", "en", "manager"),
    ("I'm collecting vintage watches.", "en", "collector"),
    ("I manage to use it daily.", "en", None),
    ("I play the cello in an orchestra.", "en", "musician"),
    ("I play games on it.", "en", None),
    ("I've sung in a church choir for years.", "en", "musician"),
    ("I play in a brass band on Sundays.", "en", "musician"),
    ("I played in the rain.", "en", None),
    ("I collected the parcel today.", "en", None),
    ("My day job as a bus driver starts at five.", "en", "bus driver"),
    ("I cycle twenty minutes to the office.", "en", "commuter"),
    ("我现在读研，平时很忙。", "zh", "研究生"),
    ("我现在读大三，课很多。", "zh", "大学生"),
    ("我每天挤地铁上班。", "zh", "通勤族"),
    ("我从单位退下来两年了。", "zh", "退休人员"),
    ("I work in a shared office near the station.", "en", "office worker"),
    ("As someone who works overnight, I eat at 3am.", "en", "night-shift worker"),
    ("I run an online pottery shop.", "en", "small business owner"),
    ("I work out at the gym.", "en", None),
    ("我在网上开了一家卖茶叶的网店。", "zh", "网店店主"),
    ("我在街角开了一家小店。", "zh", "店主"),
    ("经常出差的我，在机场丢了卡。", "zh", "出差族"),
    ("最喜欢的我，也不行。", "zh", None),
    ("本人做电商的，每天拍商品图。", "zh", "网店店主"),
    ("我在准备教师资格证考试。", "zh", "考生"),
])
def test_a_self_description_gives_its_role(text, lang, role):
    assert role_phrase(text, lang) == role


def test_roles_said_in_different_words_are_counted_as_one():
    texts = ["I'm an office worker, lunch is late.", "Speaking as a desk worker, fees hurt.",
             "Office worker here: the map is great.", "As an accountant, I order daily.",
             "The soup was cold.", "Late again.", "Fees are high.", "Love it.", "Meh.",
             "Ok."]
    role = group_role(texts, ["en"] * len(texts), "en")
    assert role is not None and role.head == "worker" and role.phrase == "office worker"
    assert len(role.texts) == 3 and role.share == 0.3
    assert head_of("大三学生", "zh") == head_of("大学生", "zh") == "学生"


def test_a_kind_shared_across_roles_names_the_group():
    # nurses, guards and warehouse staff who all work nights: night-shift workers, not the
    # largest single job
    texts = ["Night-shift nurse here: soup is cold.", "I'm a night-shift nurse.",
             "I work the graveyard shift.", "I work nights at a depot.",
             "I'm a factory technician.", "I'm a factory technician, food is late.",
             "I'm a factory technician on days.", "Cold again.", "Late.", "Meh."]
    role = group_role(texts, ["en"] * len(texts), "en")
    assert role is not None and role.phrase == "night-shift worker" and len(role.texts) == 4
    # one kind said with two heads of one job keeps the job: project manager, not "project
    # worker"
    texts = ["As a project manager, I plan.", "Project manager here.", "I'm a project lead.",
             "Busy week.", "Ok.", "Fine.", "Sure.", "Hm.", "No.", "Yes."]
    assert group_role(texts, ["en"] * len(texts), "en").phrase == "project manager"


def test_a_stray_self_description_names_nobody():
    texts = ["As a nurse, I like it."] + [f"Delivery {k} was late." for k in range(30)]
    assert stated_roles(texts, ["en"] * len(texts), "en") == []


def test_a_role_in_another_script_is_not_the_persona_languages_role():
    texts = ["我是大学生，配送费太贵。", "作为大学生，希望有会员。", "Too slow."]
    langs = ["zh", "zh", "en"]
    assert group_role(texts, langs, "en") is None
    assert group_role(texts, langs, "zh").phrase == "大学生"


def test_the_metric_reads_the_head_of_a_planted_label():
    assert role_head("Parents travelling with children") == "parents"
    assert role_head("Professionals moving abroad") == "professionals"
    assert role_head("People with a long-term condition") == "condition"
    assert name_states_role("Parents", "Parents travelling with children")
    assert name_states_role("关注服务费的学生", "大学生", "zh")
    assert name_states_role("带娃的家长", "带娃出行的家长", "zh")
    assert not name_states_role("关注热菜的技术员", "夜班工作者", "zh")
    # a label's generic person word (工作者, 人员, 人士) is not what a name must say
    assert name_states_role("关注热菜的夜班族", "夜班工作者", "zh")
    assert name_states_role("爱听老歌的退休老人", "退休人员", "zh")
    assert not name_states_role("关注价格的人士", "商务出差人士", "zh")
    assert name_states_role("关注免费版的退休人员", "退休老人", "zh")   # not cut to "休老"
    assert name_states_role("关注等车的老年用户", "老年乘客", "zh")
    assert not name_states_role("关注等车的用户", "老年乘客", "zh")
    assert not name_states_role("关注养车的退休人员", "业余乐手", "zh")


def test_a_role_stated_in_the_other_language_counts_for_the_role_it_translates():
    import numpy as np

    # a scripted encoder: a word and its translation share a vector, other words do not
    basis = {"parent": 0, "家长": 0, "宝爸": 0, "student": 1, "学生": 1, "nurse": 2}

    def embed(words):
        out = np.zeros((len(words), 3), dtype=np.float32)
        for i, w in enumerate(words):
            out[i, basis[w]] = 1.0
        return out

    texts = ["As a parent, I love it.", "As a parent, it is fine.", "Parent here: too slow.",
             "作为家长，我很满意。", "我是宝爸，挺好用。", "我是学生，太贵了。",
             "The app is slow.", "Fine."]
    langs = ["en"] * 3 + ["zh"] * 3 + ["en"] * 2
    roles = stated_roles(texts, langs, "en", embed=embed)
    assert roles[0].phrase == "parent"          # said in the persona's language
    assert roles[0].texts == (0, 1, 2, 3, 4)    # counted in both: 家长 and 宝爸 are parents
    assert roles[0].share == 0.625
    assert roles[0].also_as == (3, "作为家长，")   # quoted in the other language too
    # without an encoder, only the persona's language counts
    assert stated_roles(texts, langs, "en")[0].texts == (0, 1, 2)


@pytest.mark.parametrize("text,lang,role", [
    # a role said in passing: a living, a business of one's own, a condition, a past job
    ("I repair bikes for a living, so spare parts matter.", "en", "bike repairer"),
    ("I translate contracts professionally and need the glossary.", "en", "contract translator"),
    ("Running a small flower shop, I print labels every day.", "en", "small business owner"),
    ("We own a tiny cafe near the station.", "en", "small business owner"),
    ("I'm deaf, so the captions are everything to me.", "en", "deaf user"),
    ("I used to be a pharmacist and the dosage notes are sloppy.", "en", "pharmacist"),
    ("At 79 I find the small print hard.", "en", "older customer"),
    ("I'm in my 80s and the buttons are tiny.", "en", "older customer"),
    ("Carpenter for twenty years, and these hinges are the best.", "en", "carpenter"),
    ("Being on a pension, every discount counts.", "en", "retiree"),
    ("My twins love the bedtime stories.", "en", "parent"),
    ("Travelling with a baby, the early boarding helped.", "en", "parent"),
    ("My grandkids set it up for me.", "en", "grandparent"),
    ("My students use it for homework.", "en", "teacher"),
    ("Retired since last year, I finally have time to read.", "en", "retiree"),
    ("i freelance as a copywriter and need offline mode", "en", "copywriter"),
    # what looks like a self-description and is not
    ("As a result, the refund took weeks.", "en", None),
    ("I'm a little confused by the menu.", "en", None),
    ("I'm a day late with the payment.", "en", None),
    ("I'm a huge fan of the dark theme.", "en", None),
    ("As a gesture of goodwill they sent a voucher.", "en", None),
    ("As a camera app it's fine.", "en", None),
    ("As the update rolled out, everything broke.", "en", None),
    ("We moved here last year.", "en", None),
    ("The kids' section is messy.", "en", None),
    ("做会计的，月底报表全靠它。", "zh", "会计"),
    ("我是跑快递的，一天几十单。", "zh", "快递员"),
    ("学法律的，条文检索太慢。", "zh", "学法律的学生"),
    ("开了一家小面馆，外卖平台抽成太高。", "zh", "老板"),
    ("以前在银行当过柜员，这种流程我很熟。", "zh", "柜员"),
    ("我儿子天天用它背单词。", "zh", "家长"),
    ("每天送孩子上学都要路过这里。", "zh", "家长"),
    ("大二狗一只，课太多了。", "zh", "大学生"),
    ("读博第三年，文献管理全靠它。", "zh", "博士生"),
    ("我今年六十八，字太小。", "zh", "老年用户"),
    ("我和老伴都七十多了，不会用扫码。", "zh", "老年用户"),
    ("刚考上研的学生，宿舍网太慢。", "zh", "学生"),
    ("我自己就是护士，这个排班提醒很实用。", "zh", "护士"),
    ("我这种熬夜赶稿的设计师，最怕闪退。", "zh", "设计师"),
    ("木匠一个，工具清单做得不错。", "zh", "木匠"),
    ("干了十年导游，这个行程单很好用。", "zh", "导游"),
    ("照顾瘫痪的父亲好几年了，送药上门帮了大忙。", "zh", "照护者"),
    ("我们老两口退休后天天跳广场舞。", "zh", "退休人员"),
    ("本人宝妈一枚，最爱囤尿不湿。", "zh", "家长"),
    ("我在工厂三班倒，作息乱七八糟。", "zh", "倒班族"),
    ("We're nurses on the same ward and share one account.", "en", "nurse"),
    ("i've been a stay at home dad since march", "en", "parent"),
    ("My son's teacher recommended it.", "en", "parent"),
    ("A children's menu would help.", "en", None),
    ("Knitting is my main hobby and the pattern library is huge.", "en", "knitter"),
    ("After twenty years of nursing I know a good schedule.", "en", "nurse"),
    ("I listen during my night shift at the depot.", "en", "night-shift worker"),
    ("客服是个新手，什么都不懂。", "zh", None),
    ("我老公是医生，他说还行。", "zh", None),
    ("我是上周买的会员，到现在没生效。", "zh", None),
    ("在家就能买到药，省了跑药店。", "zh", None),
    # person words whose last character is no person suffix, and "…一枚。" ending a sentence
    ("作为房东，押金退还的流程太慢。", "zh", "房东"),
    ("部门经理一枚。审批流太长了。", "zh", "部门经理"),
    ("我是个天天加班的销售，报销单填得头疼。", "zh", "销售"),
    ("他是我的房东，人挺好。", "zh", None),
])
def test_a_role_said_in_passing_is_read(text, lang, role):
    assert role_phrase(text, lang) == role


def test_a_role_only_implied_names_no_group_but_counts_where_others_state_it():
    implied = ["My son loves the quizzes.", "My daughter uses it daily.", "With my two kids, "
               "it is chaos.", "The app is fine.", "Too many ads."]
    assert group_role(implied, ["en"] * 5, "en") is None
    stated = [*implied, "As a parent, I want limits.", "Mum of three here: great."]
    role = group_role(stated, ["en"] * 7, "en")
    assert role is not None and role.phrase == "parent"
    assert role.texts == (0, 1, 2, 5, 6)
    assert role.example[0] == 5          # the example shown states it outright
    assert role.implied == 3             # … and the share is said as what it counts
    assert says_who(role.phrase, "en", role.implied > 0) == \
        "say they are parents or speak of their children"
    assert says_who("parent", "en") == "describe themselves as a parent"


def test_a_role_the_rest_of_the_corpus_states_as_often_names_no_group():
    from agent.persona.role_rates import DISTINCT, RoleRates

    group = ["As a nurse, I like it.", "Nurse here: fine.", "The app is slow.", "Too many ads.",
             "Works well.", "Fine."]
    others = ["I'm a nurse and it crashes.", "As a nurse, too slow.", "Good.", "Meh.",
              "Crashes a lot.", "I'm a teacher.", "Slow.", "Okay."]
    ids = [f"g{k}" for k in range(len(group))] + [f"o{k}" for k in range(len(others))]
    rates = RoleRates.read(ids, group + others, ["en"] * len(ids))
    share = rates.elsewhere({i for i in ids if i.startswith("g")})
    assert share(("head", "nurse")) == 2 / 8 and share(("head", "teacher")) == 1 / 8
    # the group states "nurse" 2 in 6 times, the rest 2 in 8: not DISTINCT times as often
    assert DISTINCT * 2 / 8 > 2 / 6
    assert stated_roles(group, ["en"] * 6, "en", elsewhere=share) == []
    assert [r.phrase for r in stated_roles(group, ["en"] * 6, "en")] == ["nurse"]
    # where the rest says it rarely, it names the group
    calm = ["As a nurse, ok."] + ["Good."] * 10
    rare = RoleRates.read(ids[:6] + [f"c{k}" for k in range(11)], group + calm, ["en"] * 17)
    roles = stated_roles(group, ["en"] * 6, "en", elsewhere=rare.elsewhere(set(ids[:6])))
    assert [r.phrase for r in roles] == ["nurse"]
    assert RoleRates.read(ids, group + others, ["en"] * len(ids)).digest == rates.digest


def test_the_rates_read_a_seeded_sample_of_a_large_corpus():
    from agent.persona import role_rates

    ids = [f"r{k:05d}" for k in range(role_rates.SAMPLE * 2)]
    a, b = role_rates.RoleRates.sample(ids, 3), role_rates.RoleRates.sample(list(reversed(ids)), 3)
    assert a == b and len(a) == role_rates.SAMPLE and set(a) <= set(ids)
    assert role_rates.RoleRates.sample(ids[:10]) == ids[:10]
