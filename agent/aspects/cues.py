"""Cue phrases per facet and language: how people say that they want, suffer, do or care.

These are general phrasings of English and Chinese (no product, domain or app is assumed).
They are features for the facet classifier (``facets.py``), which weighs them together with
polarity and similarity to labelled examples; a cue alone decides nothing.
"""

from __future__ import annotations

import re

FACETS = ("goal", "pain_point", "behaviour", "motivation", "who")
#: praise is not a pain point: positive wording is a feature of its own
PRAISE = {
    "en": re.compile(r"\b(?:great|love|loved|lovely|helpful|easy|easier|simple|cool|nice|"
                     r"perfect|awesome|amazing|brilliant|fantastic|excellent|handy|useful|smooth|"
                     r"reliable|fast|quick|quickly|fine|glad|happy|enjoy\w*|works?\s+(?:well|great|"
                     r"perfectly)|well\s+done|thank\w*|best|favou?rite|saves?\s+me|saved\s+me|"
                     r"sav(?:es|ed)\s+(?:my|us|our)|life\s?saver)\b",
                     re.IGNORECASE),
    "zh": re.compile(r"很好用|好用|方便|不错|很棒|太棒|喜欢|满意|实用|贴心|省心|给力|靠谱|顺畅|"
                     r"很快|快捷|简单|清楚|感谢|谢谢|有用|划算|值得|真香"),
}

_EN = {
    "goal": r"""\bi\s+wish\b|\bwish\s+(?:there|it|they|you)\b|\bplease\s+(?:add|make|let|bring|
        give|allow|offer|support|include|consider|put|build)\b|\bwould\s+(?:love|like|be\s+(?:nice|
        great|good|helpful|handy|awesome|amazing))\b|\bi'?d\s+(?:love|like|pay)\b|\bit\s+would\s+
        (?:help|be)\b|\b(?:need|want)\s+(?:a|an|to\s+be\s+able|more|some|the\s+option|an\s+option|
        better|proper)\b|\bshould\s+(?:add|have|let|allow|offer|support|include|be\s+able)\b|
        \bcan\s+you\s+(?:add|make|please)\b|\bcould\s+you\b|\bif\s+only\b|\blooking\s+forward\b|
        \boption\s+to\b|\bability\s+to\b|\bfeature\s+request\b|\bsuggest\b|\bbring\s+back\b|
        \bhope\s+(?:you|they)\s+(?:add|will|can)\b|\bhow\s+about\b|\bwhy\s+not\s+(?:add|make|let)\b|
        \bwould\s+be\s+(?:a\s+)?(?:big\s+|huge\s+|real\s+)?(?:improvement|plus|help|game)\b|
        \blet\s+(?:me|us)\b|\bwould\s+(?:make|help|save|solve|fix|be\s+(?:perfect|useful|ideal|
        brilliant|fantastic|a\s+dream|so\s+much|really))\b|\bwaiting\s+for\b|\bplease\s+\w+\b|
        \bi'?m\s+(?:hoping|dying)\s+for\b|\bcan'?t\s+wait\s+for\b|\bwe\s+need\b|
        \b(?:missing|lacks?)\s+(?:a|an)\b|\bmake\s+it\s+possible\b|\bwhere\s+is\s+the\b|
        \bany\s+(?:chance|plans?)\b|\b(?:should|needs?\s+to|ought\s+to)\s+(?!not\b|n't|be\s+
        (?:so|this|that)\b)\w+|\bthere\s+should\s+be\b|\bit\s+needs\b""",
    "pain_point": r"""\b(?:doesn'?t|does\s+not|don'?t|didn'?t|can'?t|cannot|couldn'?t|won'?t|
        wouldn'?t|isn'?t|aren'?t|wasn'?t|never)\b|\b(?:crash\w*|bug\w*|broken|error\w*|fail\w*|
        freez\w*|glitch\w*|lag\w*|slow\w*|late|delay\w*|stuck|lost|missing|wrong|worse|worst|
        terrible|awful|horrible|useless|annoy\w*|frustrat\w*|disappoint\w*|hate|problem\w*|issue\w*|
        expensive|overpriced|pricey|ridiculous|waste\w*|confus\w*|complicated|impossible|poor\w*|
        rude|cold|soggy|drain\w*|dies|died|dead|noisy|unreliable|unusable|scam\w*|charged|
        overcharg\w*|hidden|tiny|blurry|unclear|mess|messy|hard\s+to|too\s+(?:much|many|long|
        small|big|hard|slow|expensive|often|little|few|complicated|loud|high)|no\s+longer|
        keeps?\s+(?:crashing|failing|freezing|logging|asking|dropping|losing)|stopped\s+working|
        not\s+working|out\s+of\s+sync|forced\s+to|had\s+to|have\s+to\s+(?:re|wait|restart))\b""",
    "behaviour": r"""\bevery\s+(?:day|morning|evening|night|week|weekend|month|time|single)\b|
        \b(?:daily|weekly|nightly|usually|normally|typically|mostly|mainly|regularly|often|
        sometimes|always|routinely)\b|\bmost\s+(?:days|weeks|mornings|evenings|nights|weekends|
        of\s+the\s+time)\b|\bi\s+(?:use|open|check|order|log|track|book|watch|listen|read|play|
        start|keep|go)\s+(?:it|the|my|a|an|this|them)?\s*(?:to|for|on|when|every|at|before|after|
        while|during|in)\b|\bon\s+(?:my|the)\s+(?:commute|way|train|bus|lunch\s+break)\b|
        \b(?:before|after)\s+(?:bed|work|school|dinner|lunch|breakfast|class|my\s+shift)\b|
        \bmy\s+(?:routine|habit|usual)\b|\bhabit\b|\btimes\s+a\s+(?:day|week|month)\b|
        \bwhenever\s+i\b|\bat\s+least\s+(?:once|twice)\b|\bfirst\s+thing\b|\bi\s+tend\s+to\b|
        \bi\s+(?:just|always|usually|mostly|normally|only|still|often)\s+\w+|\bstraight\s+after\b|
        \bright\s+after\b|\bas\s+soon\s+as\s+i\b|\bmy\s+(?:go-to|usual)\b|\bthe\s+same\s+
        (?:\w+\s+)?(?:every|each|as\s+last)\b|\bon\s+(?:weekdays|weekends|sundays|mondays)\b|
        \bin\s+the\s+(?:morning|evening|mornings|evenings)\b|\bduring\s+(?:my|the|lunch)\b""",
    "motivation": r"""\bbecause\b|\bsince\s+i\b|\bso\s+(?:that|i\s+can|i\s+don'?t|i\s+never|
        i\s+stay|my)\b|\bthat'?s\s+why\b|\bwhich\s+is\s+why\b|\bthe\s+reason\b|\breason\s+i\b|
        \bwhy\s+i\s+(?:use|keep|stay|chose|love|pay|came|switched|signed)\b|\bhelps?\s+me\b|
        \bsaves?\s+me\b|\bsav(?:es|ed)\s+(?:my|us)\b|\bsaved\s+me\b|\blets?\s+me\b|
        \bmatters?\s+to\s+me\b|\bimportant\s+(?:to|for)\s+me\b|
        \bkeeps?\s+me\s+(?:motivated|going|on\s+track|sane|honest)\b|\bpeace\s+of\s+mind\b|
        \bin\s+order\s+to\b|\bworth\s+(?:it|every)\b|\bi\s+(?:keep\s+using|stay|stick\s+with|
        came\s+back|switched)\b|\bloyal\b|\bmeans\s+(?:i|a\s+lot)\b|\bfor\s+my\s+(?:kids|family|
        health|business|job|work|studies|sanity|peace)\b|\bwithout\s+it\b|\bcan'?t\s+live\s+
        without\b|\bso\s+much\s+easier\b|\bmakes?\s+(?:my\s+life|it\s+easy|things\s+easier)\b|
        \bwhat\s+(?:i|keeps|brought|drives|gets|makes)\b|\bis\s+what\b|\bkeeps?\s+me\b|
        \bwhy\s+i\b|\bi'?d\s+rather\b|\brather\s+than\b|\bwould\s+have\s+(?:quit|given\s+up|
        stopped|left)\b|\bno\s+time\s+(?:left\s+)?to\b|\bfor\s+the\s+sake\s+of\b|\bmotivat\w*\b|
        \bjust\s+to\b|\bthe\s+(?:main\s+)?point\b|\b(?:cheaper|easier|faster|safer)\s+than\b|
        \bit\s+is\b\s+(?:$|\.)""",
    "who": r"""^(?:as\s+(?:a|an|someone|the)|being\s+(?:a|an)|speaking\s+as)\b|\bi'?m\s+(?:a|an)\s+
        (?!bit|lot|little|big\s+fan|fan)|\bi\s+am\s+(?:a|an)\b|\bi\s+work\s+(?:as|in|at|for|nights|
        shifts)\b|\bmy\s+(?:job|work|shifts?)\s+(?:is|are|starts?|as)\b|\bi'?m\s+(?:retired|
        studying|training|a\s+student|self-employed|freelancing|pregnant|\d)|\b\d{1,2}\s*years?\s+
        old\b|\bhere\s*[:.]|\bi'?ve\s+(?:been\s+(?:a|an)|run|worked\s+as|lived)\b|\bi\s+(?:run|own|
        manage|teach|study\s+at)\s+(?:a|an|my)\b|\b(?:mum|mom|dad|mother|father|parent)\s+of\b|
        \bi\s+have\s+(?:two|three|four|\d)\s+(?:kids|children|sons|daughters)\b""",
}

_ZH = {
    "goal": r"希望|能不能|能否|可不可以|可否|建议|要是能|要是有|如果能|如果有|求|想要|想让|想有|最好能|"
            r"就好了|就完美了|就更好了|该多好|多好|盼|等着|期盼|请(?:给|加|做|出|提供|支持)|"
            r"应该(?:增加|加|支持|有|提供)|加个|加一个|增加|添加|支持一下|期待|多一些|多出|出个|搞个|"
            r"上线|开放|提供|给个|来个|改成|能有|能加|能支持|盼望|盼着",
    "pain_point": r"太贵|贵了|很贵|偏贵|涨价|慢|卡顿|卡死|闪退|崩溃|失败|不能|无法|没法|不了|老是|总是出|"
                  r"问题|错误|差劲|太差|很差|烂|坑|麻烦|难用|不好用|难|凉|冷|冰|等了|等很久|"
                  r"迟到|晚到|不准|乱扣|扣费|多收|收费|太多|太少|看不清|太小|不方便|吐槽|失望|生气|"
                  r"投诉|垃圾|掉电|耗电|不稳定|断开|断线|丢失|丢了|形同虚设|受不了|离谱|糟糕|坏了|"
                  r"故障|没反应|不灵|延迟|漏|乱|烦|浪费|缩水|态度差|不耐用|不够|没用|不靠谱|被扣|"
                  r"不见了|找不到|不对|错|半天|很久|好久|磨蹭|一直等|白等|根本|居然|竟然|凭什么|"
                  r"不合理|不值|太单调|单调|一样的|都是同样|重复|太难|吃不消|扣|丢",
    "behaviour": r"每天|每周|每晚|每次|每个月|每月|每逢|经常|一般|平时|通常|总是会|一直用|习惯|"
                 r"基本(?:都|只|上)|上下班|通勤|睡前|周末|早上|晚上|中午|用它(?:来|记|听|看|查|订|点)|"
                 r"都会|会先|先看|常常|隔三差五|每隔|天天|日常|按时|定期|我就|就打开|一有|路上|"
                 r"第一时间|都用|只点|只用|老几样|再来一单|顺手|抽空|空档|一般先|通常先|先用",
    "motivation": r"因为|为了|所以|才|省钱|省时|省事|省心|方便|让我|帮我|帮助我|对我来说|很重要|"
                  r"安心|放心|值得|坚持|离不开|主要是|原因|之所以|就是因为|多亏|靠它|有了它|"
                  r"图的就是|图个|就冲|冲着|还不如|不如|更划算|划算|反正|动力|坚持下来|才能|"
                  r"不然|否则|要不是|多亏了|靠着|就是为了|让(?:我|人)|能让|有助于",
    "who": r"^作为|^身为|^本人|我是(?:一(?:个|名|位))?[^，,。]{1,8}(?:，|,|。|$)|宝妈|宝爸|学生党|"
           r"上班族|打工人|已经退休|退休了|孩子的(?:妈|爸)|读大[一二三四]|上大[一二三四]|研究生在读|"
           r"今年\d+岁|我在[^，,。]{1,10}(?:上班|工作)|我的工作是|做(?:生意|销售|设计|老师|护士)的|"
           r"开了一家",
}


def _compile(table: dict[str, str], flags: int) -> dict[str, re.Pattern]:
    return {f: re.compile(re.sub(r"\s*\n\s*", "", p), flags) for f, p in table.items()}


CUES = {"en": _compile(_EN, re.IGNORECASE), "zh": _compile(_ZH, 0)}
_NEGATION = {"en": re.compile(r"\b(?:not|no|never|n't|nothing|nobody|without)\b|n't\b",
                              re.IGNORECASE),
             "zh": re.compile(r"不|没|无|别|未")}


def cue_counts(text: str, lang: str) -> list[float]:
    """Per facet, how many of its cues ``text`` contains; then negation and praise counts."""
    key = "zh" if lang == "zh" else "en"
    table = CUES[key]
    counts = [float(len(table[f].findall(text))) for f in FACETS]
    counts.append(float(len(_NEGATION[key].findall(text))))
    counts.append(float(len(PRAISE[key].findall(text))))
    return counts
