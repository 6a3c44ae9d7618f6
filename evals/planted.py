"""Planted-persona corpora: user texts generated from persona specs, with the truth kept.

The specs describe groups of users of "Pocketly", a fictional wallet app, in English and
Chinese (the demo corpus in ``examples/`` is built from them). ``build_rows`` makes a
labelled corpus; ``plant_canaries`` puts unique, random fake personal data into some texts
so a run can prove that none of it leaks into any output.
"""

from __future__ import annotations

import random
import re
import secrets
from pathlib import Path
from typing import Any

GROUPS: dict[str, dict[str, list[str]]] = {
    "budget_students": {
        "open_en": ["As a student, ", "Uni student here. ", "Broke student: ", "", "", "Honestly, "],
        "en": [
            "the monthly fee is too much for a student budget.",
            "please add a student discount, I can't afford premium.",
            "splitting rent and groceries with my flatmates is so easy now.",
            "I wish there were cheaper plans for students.",
            "cashback on textbooks would be amazing.",
            "hidden fees ate half of my part-time paycheck.",
            "the free tier is fine but the ads are annoying.",
            "I track every coffee so I stay under my weekly budget.",
            "the budget planner helped me survive the semester.",
            "the subscription refund took two weeks and I needed that money for rent.",
            "verification asked for a payslip and students don't have one.",
            "the campus cafeteria still doesn't accept it.",
            "a 15 dollar overdraft fee for being 2 dollars short is harsh.",
            "the bookstore coupon saved me a lot this term.",
            "I switched from my bank because transfers to friends are free.",
            "can you give a discount if I sign up with my university email?",
            "my scholarship payment was stuck in pending for days.",
            "low balance alerts saved me at the end of the month.",
            "the savings pot for my ticket home is a great idea.",
            "please stop charging for instant transfers, we are broke.",
            "group payments for pizza night work perfectly.",
            "the price went up again and I'm thinking about cancelling.",
            "I need a way to pay tuition in instalments.",
            "reward points expire way too fast.",
            "a cheap phone plan bundle for students would be nice.",
        ],
        "open_zh": ["学生党表示，", "作为大学生，", "", "", "说实话，"],
        "zh": [
            "会员费太贵了，希望有学生优惠。",
            "和室友AA房租、买菜都很方便。",
            "求出学生套餐，免费版广告太多了。",
            "兼职的工资一半被手续费吃掉了。",
            "用它记账以后，每个月的生活费终于够用了。",
            "退订会员的钱两周还没退回来，急着交房租。",
            "实名认证要工资单，学生哪来的工资单。",
            "学校食堂还不能用，希望尽快支持。",
            "余额不足提醒很有用，月底不会透支了。",
            "买教材要是能返现就好了。",
            "和同学一起点外卖分账太方便了。",
            "又涨价了，正在考虑退订。",
            "学费能不能分期付款？",
            "积分过期太快了。",
            "给朋友转账免费，比银行好多了。",
            "奖学金到账一直显示处理中。",
            "即时转账还要收费，学生真的负担不起。",
            "存钱罐功能帮我攒够了回家的车票钱。",
            "书店的优惠券很实用。",
            "希望能用学校邮箱认证享受折扣。",
        ],
    },
    "small_business": {
        "open_en": ["I run a small bakery and ", "Small shop owner here: ", "For my business, ",
                    "", "As a freelancer, "],
        "en": [
            "I need proper invoices with my VAT number on them.",
            "merchant payouts take three business days, which hurts my cash flow.",
            "please let me add my two employees with limited access.",
            "the 2.9% card fee is eating my margins.",
            "exporting transactions to my accounting software is broken.",
            "I want to accept payments with a QR code at the counter.",
            "bulk orders from suppliers need a higher transfer limit.",
            "the monthly statement should separate business and personal spending.",
            "customer refunds are hard to issue from the merchant dashboard.",
            "chargebacks are decided without asking for my side.",
            "same-day settlement would make this perfect for my shop.",
            "receipts for tax season are a nightmare to download one by one.",
            "the point of sale reader disconnects during the lunch rush.",
            "I need to schedule payroll payments every other Friday.",
            "please add a CSV export of sales by product.",
            "my business account was frozen for a routine check and I couldn't pay suppliers.",
            "the fees for business accounts are not clear on the pricing page.",
            "recurring invoices for my regular clients save me hours.",
            "I'd pay more for a dedicated account manager.",
            "tips from customers should go straight to my staff.",
        ],
        "open_zh": ["我开了一家小店，", "做小生意的说一句，", "", "作为个体户，"],
        "zh": [
            "开发票太麻烦了，需要能填写税号的正规发票。",
            "商户结算要三个工作日，资金周转很紧张。",
            "希望能给两个店员开子账号，限制权限。",
            "收款手续费太高，利润都被吃掉了。",
            "导出流水到记账软件总是出错。",
            "希望支持店里扫码收款。",
            "给供应商批量付款，转账限额太低了。",
            "月度账单应该把对公和个人消费分开。",
            "在商户后台给顾客退款太难操作了。",
            "拒付处理完全不听商家的解释。",
            "要是能当天到账就完美了。",
            "报税季要一张一张下载收据，太痛苦了。",
            "收款机在午餐高峰时老是断开连接。",
            "需要每两周自动给员工发工资。",
            "希望能按商品导出销售报表。",
            "企业账户因为例行审核被冻结，没法给供应商付款。",
            "商户费率在价格页面上写得不清楚。",
            "给老客户的定期发票功能帮我省了好多时间。",
        ],
    },
    "parents": {
        "open_en": ["Mum of two here. ", "As a parent, ", "Dad of three: ", "", ""],
        "en": [
            "I want to give my kids pocket money without giving them my card.",
            "parental controls should let me block in-app purchases.",
            "a family plan with one bill for everyone would help.",
            "I get a notification whenever my daughter pays for lunch, which I love.",
            "setting a weekly spending limit for my son took too many steps.",
            "school trip payments through the app are so convenient.",
            "I'd like to see what my teenager buys without spying on every message.",
            "the kids' card should work at the school canteen.",
            "chores and allowance tracking keeps my kids motivated.",
            "my son spent 80 dollars on a game without asking, I need approvals.",
            "saving goals for the kids' birthday presents are lovely.",
            "please add a way to share costs with my ex for school fees.",
            "the child account setup asked for documents I don't have for a 9 year old.",
            "buying school uniforms and supplies in one place saves me time.",
            "I worry about strangers sending money requests to my child.",
            "a lower age limit would let my 8 year old learn about money.",
            "family sharing of subscriptions would save us money.",
            "the childcare payment reminders are really helpful.",
        ],
        "open_zh": ["作为家长，", "两个孩子的妈妈说一句，", "", "宝爸一枚，"],
        "zh": [
            "想给孩子零花钱，但不想把我的卡给他。",
            "家长控制应该能禁止孩子在游戏里充值。",
            "希望有家庭套餐，全家一张账单。",
            "女儿在学校吃午饭付款我都能收到通知，很安心。",
            "给儿子设置每周消费上限步骤太多了。",
            "在应用里交春游费用太方便了。",
            "想知道孩子买了什么，又不想侵犯他的隐私。",
            "孩子的卡应该能在学校食堂用。",
            "用做家务换零花钱的功能让孩子很有动力。",
            "儿子没问我就在游戏里花了八百块，需要家长审批。",
            "给孩子存生日礼物钱的目标功能很贴心。",
            "希望能和孩子他爸分摊学费。",
            "给九岁的孩子开户要的证件太多了。",
            "校服和文具在一个地方买齐，省时间。",
            "担心陌生人给孩子发收款请求。",
            "希望年龄限制再低一点，让八岁的孩子学会理财。",
            "家庭共享会员可以帮我们省钱。",
        ],
    },
    "gamers": {
        "open_en": ["Gamer here, ", "As someone who plays every night, ", "", "", "Bro, "],
        "en": [
            "top-ups for my game wallet fail during weekend events.",
            "I bought a gift card code and it was already redeemed.",
            "the refund for a broken skin bundle never arrived.",
            "payments to the game store lag and I miss limited drops.",
            "please support paying for Steam and console stores directly.",
            "the exchange rate on in-game currency purchases is terrible.",
            "my account got flagged for buying too many game credits at once.",
            "cashback on gaming subscriptions would make me switch for good.",
            "checkout timed out and I was charged twice for the battle pass.",
            "I want a dark mode, my eyes hurt at 2am.",
            "the tournament entry fee payment went through but I wasn't registered.",
            "reselling my old games for wallet credit is a cool feature.",
            "the app freezes when I try to pay while streaming.",
            "support took a week to answer about a missing loot box payment.",
            "gift cards for my clan members are easy to send.",
            "fraud checks block every late night purchase.",
            "I want spending stats per game to see where my money goes.",
            "pre-ordering the new console with instalments worked great.",
        ],
        "open_zh": ["作为一个游戏玩家，", "打游戏的兄弟们注意，", "", "", "每天晚上打游戏的我，"],
        "zh": [
            "周末活动的时候游戏充值老是失败。",
            "买的点卡兑换码已经被人用过了。",
            "买的皮肤礼包有问题，退款一直没到。",
            "付款太慢，错过了限量皮肤。",
            "希望能直接给Steam和主机商店付款。",
            "游戏币的汇率太坑了。",
            "一次买太多游戏点数，账户被风控了。",
            "游戏会员能返现的话我就彻底换过来。",
            "结账超时，通行证被扣了两次钱。",
            "求出深色模式，凌晨两点眼睛疼。",
            "比赛报名费付了，但是没有报名成功。",
            "把旧游戏卖掉换余额的功能很酷。",
            "边直播边付款的时候应用会卡死。",
            "开箱付款丢失的问题，客服一周才回复。",
            "给战队的兄弟送礼品卡很方便。",
            "深夜买东西总是被风控拦截。",
            "想看每个游戏花了多少钱的统计。",
        ],
    },
    "travellers": {
        "open_en": ["Just back from Japan and ", "Frequent flyer here: ", "On my trip to Lisbon ",
                    "", ""],
        "en": [
            "the exchange rate markup abroad is hidden in the small print.",
            "my card was blocked at the airport because I forgot to set a travel notice.",
            "paying in local currency saved me a lot compared to my bank.",
            "ATM withdrawals abroad cost a fee on top of the machine's fee.",
            "the app needs to work offline when I have no roaming data.",
            "hotel deposits stay on hold for weeks after I check out.",
            "I'd love a multi-currency wallet for euros and yen.",
            "the travel insurance add-on was easy to buy before my flight.",
            "splitting hostel and taxi costs with my travel group works well.",
            "contactless payments didn't work on the metro in Seoul.",
            "support is only open in my home time zone, useless when abroad.",
            "lounge access with the premium card is a nice perk.",
            "exchange rates are locked only for 30 seconds, too short.",
            "I lost my card in Rome and the replacement took ten days.",
            "please show spending per trip so I can stick to a travel budget.",
            "the currency converter in the app is handy at markets.",
            "booking trains abroad failed because of 3D secure.",
            "car rental companies don't accept the virtual card.",
        ],
        "open_zh": ["刚从日本旅游回来，", "经常出差的我，", "在欧洲旅行时，", "", ""],
        "zh": [
            "境外消费的汇率加价藏在小字里。",
            "忘了设置出行通知，在机场卡被冻结了。",
            "用当地货币支付比银行卡省了不少钱。",
            "在国外取现，除了ATM的手续费还要再收一笔。",
            "没有漫游流量的时候应用应该能离线使用。",
            "酒店押金退房后好几周还被冻结着。",
            "希望有多币种钱包，能存欧元和日元。",
            "出发前买旅行保险很方便。",
            "和旅伴分摊青旅和打车的费用很好用。",
            "在首尔坐地铁时非接触支付用不了。",
            "客服只在国内时间上班，在国外根本联系不上。",
            "高级卡的机场贵宾室权益很不错。",
            "汇率只锁定三十秒，太短了。",
            "在罗马丢了卡，补卡花了十天。",
            "希望能按每次旅行统计花费，方便控制预算。",
            "在国外订火车票，因为安全验证付款失败。",
            "租车公司不接受虚拟卡。",
        ],
    },
    "elderly_first_time": {
        "open_en": ["I am 74 and ", "My grandson set this up for me but ", "At my age ", "",
                    "I'm new to smartphones and "],
        "en": [
            "the letters are far too small to read.",
            "I can't find the button to send money to my daughter.",
            "I forgot my password again and the reset steps confused me.",
            "I would like to speak to a real person on the phone.",
            "there are too many menus and I get lost.",
            "I am afraid of scams, how do I know a message is really from you?",
            "the fingerprint login doesn't recognise my finger.",
            "please make a simple mode with only the basic buttons.",
            "I want my pension to show up clearly on the first screen.",
            "the verification code arrives and disappears before I can type it.",
            "a paper guide in the post would help me a lot.",
            "someone called pretending to be your bank and I nearly gave them my code.",
            "paying the electricity bill took me an hour.",
            "the app logged me out while I was reading.",
            "my hands shake and the buttons are too close together.",
            "I don't understand the English words in the menus.",
            "thank you for the patient lady on the helpline.",
        ],
        "open_zh": ["我今年七十多岁了，", "孙子帮我装的，但是", "老年人表示，", "", "我刚学用智能手机，"],
        "zh": [
            "字太小了，根本看不清。",
            "找不到给女儿转账的按钮。",
            "又忘记密码了，重置的步骤看不懂。",
            "希望能打电话和真人客服说话。",
            "菜单太多了，我总是找不到地方。",
            "怕被骗，怎么知道短信真的是你们发的？",
            "指纹登录总是识别不了我的手指。",
            "希望有简易模式，只留几个大按钮。",
            "希望退休金到账能在首页显示清楚。",
            "验证码一下就消失了，来不及输入。",
            "要是能寄一本纸质说明书就好了。",
            "有人冒充银行打电话，我差点把验证码告诉他。",
            "交电费花了我一个小时。",
            "看着看着就自动退出登录了。",
            "手会抖，按钮挨得太近了。",
            "感谢客服热线那位耐心的阿姨。",
        ],
    },
}
CLOSE_EN = ["", "", "", "", " Please look into it.", " Thanks!"]
CLOSE_ZH = ["", "", "", "", "请尽快改进。", "谢谢！"]
RATINGS = {"budget_students": [2, 3, 3, 4, 4, 5], "small_business": [1, 2, 3, 3, 4],
           "parents": [3, 4, 4, 5], "gamers": [1, 2, 2, 3, 5], "travellers": [2, 3, 4, 4, 5],
           "elderly_first_time": [1, 2, 2, 3, 4]}
CHANNELS = ["app_store", "support_ticket", "survey", "forum"]
TEXTS_PER_GROUP = 104
PII_TEXTS = [
    ("budget_students", "en", "Please refund me, my email is lena.k.student@example.edu and my "
                              "number is +44 7700 900123."),
    ("small_business", "en", "Call me back on (415) 555-0142 about the frozen payout, it is urgent."),
    ("small_business", "zh", "商户结算被冻结了，请联系我：13812345678，邮箱 chen.bakery@example.cn"),
    ("gamers", "en", "I was charged twice on card 4111 1111 1111 1111 for the same battle pass."),
    ("parents", "zh", "给孩子开户一直失败，我的身份证号是110101198003074519，请帮忙查一下。"),
    ("travellers", "en", "My card was blocked in Tokyo, reach me at jo.traveller@example.com "
                         "or +81 90 1234 5678."),
    ("elderly_first_time", "zh", "我不会用，请打我家里电话 010-62345678 教教我。"),
    ("elderly_first_time", "en", "My grandson's email is sam.helper@example.org, please send the "
                                 "instructions there."),
]


def build(rng: random.Random) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    seen: set[str] = set()
    next_user = 1001
    for group, pools in GROUPS.items():
        users = []
        for lang in ["en"] * 9 + ["zh"] * 8:
            users.append((f"u{next_user}", lang))
            next_user += 1
        made = 0
        while made < TEXTS_PER_GROUP:
            user, lang = users[made % len(users)] if made < len(users) else rng.choice(users)
            pool = pools[lang]
            a, b = rng.sample(pool, 2)
            opener = rng.choice(pools[f"open_{lang}"])
            body = a[0].upper() + a[1:] if not opener and lang == "en" else a
            text = opener + body
            if rng.random() < 0.45:
                text += (" " if lang == "en" else "") + (b[0].upper() + b[1:] if lang == "en" else b)
            text += rng.choice(CLOSE_EN if lang == "en" else CLOSE_ZH)
            if text in seen:
                continue
            seen.add(text)
            rows.append(_row(rng, text, user, group))
            made += 1
    # A user id that is itself an e-mail address (it gets pseudonymised on ingest).
    rows.append(_row(rng, "Please make the buttons bigger, I keep pressing the wrong one.",
                     "margaret.w@example.net", "elderly_first_time"))
    for group, _lang, text in PII_TEXTS:
        rows.append(_row(rng, text, f"u{rng.randint(1001, next_user - 1)}", group))
    # Exact duplicates: a double post and the same short praise from different users.
    rows.append(dict(rows[5]))
    rows.append(dict(rows[300]))
    for user in ("u1003", "u1040", "u1077"):
        rows.append(_row(rng, "Great app, thanks!", user, "budget_students"))
    rng.shuffle(rows)
    return rows


def _row(rng: random.Random, text: str, user: str, group: str) -> dict[str, str]:
    month, day = rng.randint(1, 10), rng.randint(1, 28)
    return {"text": text, "user_id": user, "rating": str(rng.choice(RATINGS[group])),
            "channel": rng.choice(CHANNELS), "date": f"2026-{month:02d}-{day:02d}",
            "group": group}




def plant_canaries(rows: list[dict[str, str]], share: float, seed: int | None = None
                   ) -> list[str]:
    """Append a unique fake e-mail, phone or ID number to ``share`` of the texts (random per
    call unless seeded); returns the planted strings."""
    rng = random.Random(seed if seed is not None else secrets.randbits(64))
    k = max(1, round(share * len(rows)))
    planted = []
    for row in rng.sample(rows, k):
        tag = f"{rng.getrandbits(40):010x}"
        kind = rng.choice(["email", "phone", "cn_mobile", "cn_id"])
        if kind == "email":
            value = f"canary.{tag}@example-{tag[:4]}.com"
            row["text"] += f" Contact me at {value}"
        elif kind == "phone":
            value = f"+44 7700 9{rng.randint(10000, 99999)}"
            row["text"] += f" Call {value} please."
        elif kind == "cn_mobile":
            value = f"13{rng.randint(100000000, 999999999)}"
            row["text"] += f"请打电话{value}联系我。"
        else:
            value = _cn_id(rng)
            row["text"] += f"我的身份证号是{value}。"
        planted.append(value)
    return planted


def _cn_id(rng: random.Random) -> str:
    body = f"{rng.choice([110101, 310104, 440305])}{rng.randint(1950, 2004)}" \
           f"{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(100, 999)}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    return body + check


def write_csv(rows: list[dict[str, str]], path: Path) -> Path:
    import csv

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["text", "user_id", "rating", "channel", "date", "group"],
                           lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return path


def recovery(groups: dict[str, str], labels: dict[str, str]) -> dict[str, Any]:
    """Found groups matched one-to-one to planted groups (Hungarian method on overlap):
    precision (matched texts / texts in matched found groups), recall (matched texts /
    texts in planted groups) and ARI."""
    import numpy as np
    from scipy.optimize import linear_sum_assignment
    from sklearn.metrics import adjusted_rand_score

    ids = sorted(set(groups) & set(labels))
    found = sorted({groups[i] for i in ids})
    truth = sorted({labels[i] for i in ids})
    overlap = np.zeros((len(found), len(truth)))
    for i in ids:
        overlap[found.index(groups[i]), truth.index(labels[i])] += 1
    r, c = linear_sum_assignment(-overlap)
    matched = overlap[r, c].sum()
    return {"precision": float(matched / overlap[r].sum()) if len(r) else 0.0,
            "recall": float(matched / overlap.sum()) if overlap.sum() else 0.0,
            "ari": float(adjusted_rand_score([labels[i] for i in ids], [groups[i] for i in ids])),
            "pairs": {found[i]: truth[j] for i, j in zip(r, c, strict=True)}}


def leaks(canaries: list[str], root: Path) -> dict[str, list[str]]:
    """Which canaries occur in which files under ``root`` (should be none)."""
    found: dict[str, list[str]] = {}
    digits = {c: re.sub(r"\D", "", c) for c in canaries}
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        try:  # stored data too (Chroma's SQLite file holds the texts in UTF-8)
            text = path.read_bytes().decode("utf-8", errors="ignore")
        except OSError:
            continue
        compact = re.sub(r"\D", "", text) if len(text) < 5_000_000 else ""
        hits = [c for c in canaries if c in text or (len(digits[c]) >= 11 and digits[c] in compact)]
        if hits:
            found[str(path.relative_to(root))] = hits
    return found


#: Themes of the demo corpus, by the template sentences that state them (the generator's own
#: labels): tests count the demo rows holding one of them to know what an answer should say.
THEMES: dict[str, dict[str, list[str]]] = {
    "small_letters": {"en": ["the letters are far too small to read."],
                      "zh": ["字太小了，根本看不清。"]},
    "fx_markup": {"en": ["the exchange rate markup abroad is hidden in the small print."],
                  "zh": ["境外消费的汇率加价藏在小字里。"]},
    "game_topups_fail": {"en": ["top-ups for my game wallet fail during weekend events."],
                         "zh": ["周末活动的时候游戏充值老是失败。"]},
    "student_fee": {"en": ["the monthly fee is too much for a student budget."],
                    "zh": ["会员费太贵了，希望有学生优惠。"]},
    "login_trouble": {"en": ["I forgot my password again and the reset steps confused me.",
                             "the fingerprint login doesn't recognise my finger.",
                             "the app logged me out while I was reading."],
                      "zh": ["又忘记密码了，重置的步骤看不懂。", "指纹登录总是识别不了我的手指。",
                             "看着看着就自动退出登录了。"]},
    "dark_mode": {"en": ["I want a dark mode, my eyes hurt at 2am."],
                  "zh": ["求出深色模式，凌晨两点眼睛疼。"]},
    # travellers' complaints
    "card_blocked": {"en": ["my card was blocked at the airport because I forgot to set a "
                            "travel notice."], "zh": ["忘了设置出行通知，在机场卡被冻结了。"]},
    "atm_fee": {"en": ["ATM withdrawals abroad cost a fee on top of the machine's fee."],
                "zh": ["在国外取现，除了ATM的手续费还要再收一笔。"]},
    "hotel_deposit": {"en": ["hotel deposits stay on hold for weeks after I check out."],
                      "zh": ["酒店押金退房后好几周还被冻结着。"]},
    "rate_lock": {"en": ["exchange rates are locked only for 30 seconds, too short."],
                  "zh": ["汇率只锁定三十秒，太短了。"]},
    "lost_card": {"en": ["I lost my card in Rome and the replacement took ten days."],
                  "zh": ["在罗马丢了卡，补卡花了十天。"]},
    # parents' reasons
    "lunch_notification": {"en": ["I get a notification whenever my daughter pays for lunch, "
                                  "which I love."], "zh": ["女儿在学校吃午饭付款我都能收到通知，很安心。"]},
    "school_trips": {"en": ["school trip payments through the app are so convenient."],
                     "zh": ["在应用里交春游费用太方便了。"]},
    "chores_allowance": {"en": ["chores and allowance tracking keeps my kids motivated."],
                         "zh": ["用做家务换零花钱的功能让孩子很有动力。"]},
}


def theme_rows(rows: list[dict[str, str]], theme: str) -> list[dict[str, str]]:
    """The rows whose text states ``theme`` (one of its template sentences, in any case)."""
    sentences = [s.lower() for lang in THEMES[theme].values() for s in lang]
    return [r for r in rows if any(s in (r.get("text") or "").lower() for s in sentences)]
