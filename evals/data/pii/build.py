"""Build the labelled PII test set: ``train.jsonl`` and ``test.jsonl`` beside this file.

    python evals/data/pii/build.py

Deterministic (a fixed seed, no library whose data changes between versions: check digits
are computed here), written for the project from its own templates in English, Chinese,
German, French, Spanish, Italian and Dutch. Each row::

    {"id": "...", "lang": "de", "text": "...", "format": "phone_national_de" | null,
     "pii": ["exact PII substrings of text"]}

Positives hold one PII item each, in one of the formats of :data:`FORMATS`; clean texts
(``format`` null, ``pii`` empty) are product reviews, many with harmless digits (order and
tracking numbers, dates, prices, versions, times, quantities, postcodes, model numbers,
percentages, years, ISBNs). Rows are split 50/50 into train and test, stratified by format
(clean texts with and without digits count as two strata), before any tuning; ``HASH``
holds the sha256 of ``test.jsonl`` so a changed test half is noticed. Tune on train only.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import random
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 20261201
PER_FORMAT = 30
CLEAN_PLAIN = 600
CLEAN_DIGITS = 400
LANGS = ("en", "zh", "de", "fr", "es", "it", "nl")

# -- check digits (computed here so the data never depends on a library version) ----------


def luhn_digit(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return str((10 - total % 10) % 10)


def iban(country: str, bban: str) -> str:
    moved = bban + country + "00"
    number = int("".join(str(int(c, 36)) for c in moved))
    return f"{country}{98 - number % 97:02d}{bban}"


def cn_ric_digit(body: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]


# -- PII generators: one function per format, each returns the PII string -----------------

FIRST = ["peter", "mary", "anna", "li", "jan", "marie", "carlos", "giulia", "tom", "sophie",
         "wei", "lukas", "chloe", "pablo", "marco", "emma", "zhang", "noah"]
LAST = ["parker", "smith", "mueller", "wang", "devries", "dupont", "garcia", "rossi", "brown",
        "bakker", "schmidt", "martin", "lopez", "bianchi", "chen", "jansen"]
DOMAINS = ["example.com", "mail.example.org", "gmail.com", "qq.com", "163.com", "web.de",
           "orange.fr", "libero.it", "ziggo.nl", "outlook.com", "company.co.uk", "yahoo.es",
           "gmx.net", "uni-example.edu"]


def _local(r: random.Random) -> str:
    first, last = r.choice(FIRST), r.choice(LAST)
    return r.choice([f"{first}.{last}", f"{first}{r.randint(1, 99)}", f"{first}_{last}",
                     f"{first[0]}.{last}", f"{first}.{last}+shop", f"{last}.{first}"])


def email(r: random.Random) -> str:
    return f"{_local(r)}@{r.choice(DOMAINS)}"


def email_obfuscated(r: random.Random) -> str:
    first, last = r.choice(FIRST), r.choice(LAST)
    domain = r.choice(DOMAINS).split(".")
    style = r.randrange(8)
    if style == 0:
        return f"{first} dot {last} at {' dot '.join(domain)}"
    if style == 1:
        return f"{first}.{last} [at] {' [dot] '.join(domain)}"
    if style == 2:
        return f"{first}.{last}(at){'.'.join(domain)}"
    if style == 3:
        return f"{first} [at] {'.'.join(domain)}"
    if style == 4:
        return f"{first}.{last} AT {' DOT '.join(domain)}"
    if style == 5:
        return f"{first}{r.randint(1, 99)} (at) {' (dot) '.join(domain)}"
    if style == 6:
        return f"{first}_{last} at {' dot '.join(domain)}"
    return f"{first}.{last} {{at}} {'.'.join(domain)}"


def email_fullwidth(r: random.Random) -> str:
    plain = email(r)
    if r.random() < 0.5:
        return plain.replace("@", "＠")
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in plain)


ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]


def email_zero_width(r: random.Random) -> str:
    plain = email(r)
    at = plain.index("@")
    where = r.choice([at, at + 1, plain.rindex("."), r.randrange(1, at)])
    return plain[:where] + r.choice(ZERO_WIDTH) + plain[where:]


def _digits(r: random.Random, n: int, first: str = "0123456789") -> str:
    return r.choice(first) + "".join(r.choice("0123456789") for _ in range(n - 1))


def phone_national_gb(r: random.Random) -> str:
    kind = r.randrange(4)
    if kind == 0:
        return f"07700 900{r.randint(0, 999):03d}"  # Ofcom's range for drama and examples
    if kind == 1:
        return f"07{r.choice(['911', '412', '825', '956', '723', '534'])} {_digits(r, 6)}"
    if kind == 2:
        return f"020 {r.choice(['7946', '3123', '8765'])} {_digits(r, 4)}"
    return f"0{r.choice(['161', '113', '121', '131'])} {r.choice(['496', '234', '567'])} {_digits(r, 4)}"


def phone_national_de(r: random.Random) -> str:
    kind = r.randrange(4)
    if kind == 0:
        return f"030 {_digits(r, 8, '123456789')}"
    if kind == 1:
        return f"0{r.choice(['151', '160', '170', '176'])} {_digits(r, 8, '123456789')}"
    if kind == 2:
        return f"089 {_digits(r, 7, '123456789')}"
    return f"040/{_digits(r, 8, '123456789')}"


def phone_national_fr(r: random.Random) -> str:
    lead = r.choice(["01", "02", "03", "04", "05", "06", "07"])
    lead += r.choice("3456789" if lead == "07" else "12345678")
    rest = lead + _digits(r, 10 - len(lead))
    pairs = [rest[i:i + 2] for i in range(0, 10, 2)]
    return r.choice([" ", ".", ""]).join(pairs) if r.random() < 0.9 else rest


def phone_national_us(r: random.Random) -> str:
    area = r.choice(["212", "415", "312", "617", "206", "303", "512", "646", "713", "305"])
    exchange = r.choice("23456789") + r.choice("0123456789") + r.choice("023456789")
    line = _digits(r, 4)
    return r.choice([f"({area}) {exchange}-{line}", f"{area}-{exchange}-{line}",
                     f"{area}.{exchange}.{line}", f"{area} {exchange} {line}"])


def phone_national_es(r: random.Random) -> str:
    if r.random() < 0.6:
        n = r.choice(["6", "6", "71", "72", "73"])
        n += _digits(r, 9 - len(n))
        return r.choice([f"{n[:3]} {n[3:5]} {n[5:7]} {n[7:]}", f"{n[:3]} {n[3:6]} {n[6:]}"])
    n = r.choice(["91", "93", "96", "95"]) + _digits(r, 7, "123456789")
    return f"{n[:2]} {n[2:5]} {n[5:7]} {n[7:]}"


def phone_national_it(r: random.Random) -> str:
    if r.random() < 0.6:
        n = "3" + r.choice("1234789") + _digits(r, 8)
        return r.choice([f"{n[:3]} {n[3:6]} {n[6:]}", f"{n[:3]} {n[3:]}", f"{n[:3]}-{n[3:]}"])
    return f"0{r.choice(['6', '2'])} {_digits(r, 4, '123456789')} {_digits(r, 4)}"


def phone_national_nl(r: random.Random) -> str:
    if r.random() < 0.6:
        n = _digits(r, 8, "12345")
        return r.choice([f"06 {n}", f"06-{n}", f"06 {n[:2]} {n[2:4]} {n[4:6]} {n[6:]}"])
    return f"0{r.choice(['20', '10', '30', '70'])} {_digits(r, 3, '123456789')} {_digits(r, 4)}"


def phone_intl(r: random.Random) -> str:
    plus = r.choice(["+", "+", "00"])
    kind = r.randrange(10)
    if kind == 0:
        return f"{plus}44 20 7946 {_digits(r, 4)}"
    if kind == 1:
        return f"{plus}44 7{r.choice(['700 900', '911 123', '825 456'])}{_digits(r, 3)}"
    if kind == 2:
        return f"{plus}49 30 {_digits(r, 8, '123456789')}"
    if kind == 3:
        return f"{plus}49 151 {_digits(r, 8, '123456789')}"
    if kind == 4:
        return (f"{plus}33 {r.choice(['6 1', '6 4', '7 5', '7 8'])}{_digits(r, 1)} "
                f"{_digits(r, 2)} {_digits(r, 2)} {_digits(r, 2)}")
    if kind == 5:
        return f"+1 {r.choice(['212', '415', '617'])} {r.choice('2345678')}{_digits(r, 2)} {_digits(r, 4)}"
    if kind == 6:
        return f"{plus}34 6{_digits(r, 2)} {_digits(r, 2)} {_digits(r, 2)} {_digits(r, 2)}"
    if kind == 7:
        return f"{plus}39 3{r.choice('1234789')}{_digits(r, 1)} {_digits(r, 3)} {_digits(r, 4)}"
    if kind == 8:
        return f"{plus}31 6 {_digits(r, 8, '12345')}"
    return f"{plus}86 {r.choice(['10', '21'])} {_digits(r, 4, '2345678')} {_digits(r, 4)}"


def phone_cn_mobile(r: random.Random) -> str:
    n = r.choice(["13", "15", "18", "176", "177", "198", "199"])
    n += _digits(r, 11 - len(n))
    return r.choice([n, f"{n[:3]} {n[3:7]} {n[7:]}", f"{n[:3]}-{n[3:7]}-{n[7:]}",
                     f"+86 {n[:3]} {n[3:7]} {n[7:]}", f"+86{n}"])


def phone_cn_landline(r: random.Random) -> str:
    area = r.choice(["010", "021", "020", "0755", "0571", "028", "027"])
    n = _digits(r, 8, "2345678")
    return r.choice([f"{area}-{n}", f"({area}){n}", f"{area} {n}", f"{area}-{n[:4]}-{n[4:]}"])


def ssn_us(r: random.Random) -> str:
    area = r.choice([a for a in range(1, 900) if a != 666])
    n = f"{area:03d}-{r.randint(1, 99):02d}-{r.randint(1, 9999):04d}"
    return n if r.random() < 0.85 else n.replace("-", " ")


def _es_bban(bank_branch: str, account: str) -> str:
    """A Spanish CCC: bank + branch, two check digits, account."""
    weights = [1, 2, 4, 8, 5, 10, 9, 7, 3, 6]

    def check(digits: str) -> str:
        d = 11 - sum(int(c) * w for c, w in zip(digits.zfill(10), weights, strict=True)) % 11
        return str({10: 1, 11: 0}.get(d, d))

    return bank_branch + check("00" + bank_branch) + check(account) + account


BBAN = {  # country: a random basic bank account number in its national layout
    "DE": lambda r: _digits(r, 8, "123456789") + _digits(r, 10),
    "GB": lambda r: r.choice(["NWBK", "BARC", "LOYD", "MIDL"]) + _digits(r, 14),
    "FR": lambda r: _digits(r, 10) + _digits(r, 11) + _digits(r, 2),
    "ES": lambda r: _es_bban(_digits(r, 8), _digits(r, 10)),
    "IT": lambda r: r.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") + _digits(r, 10) + _digits(r, 12),
    "NL": lambda r: r.choice(["ABNA", "INGB", "RABO", "TRIO"]) + _digits(r, 10),
    "BE": lambda r: (lambda ten: ten + f"{int(ten) % 97 or 97:02d}")(_digits(r, 10)),
    "AT": lambda r: _digits(r, 16),
    "CH": lambda r: _digits(r, 17),
}


def iban_any(r: random.Random) -> str:
    country = r.choice(sorted(BBAN))
    number = iban(country, BBAN[country](r))
    if r.random() < 0.7:
        return " ".join(number[i:i + 4] for i in range(0, len(number), 4))
    return number


def card(r: random.Random) -> str:
    brand = r.randrange(4)
    if brand == 0:
        body = "4" + _digits(r, 14)
    elif brand == 1:
        body = "5" + r.choice("12345") + _digits(r, 13)
    elif brand == 2:
        body = "3" + r.choice("47") + _digits(r, 12)
    else:
        body = "62" + _digits(r, 13)
    n = body + luhn_digit(body)
    if len(n) == 15:
        return r.choice([f"{n[:4]} {n[4:10]} {n[10:]}", n, f"{n[:4]}-{n[4:10]}-{n[10:]}"])
    groups = [n[i:i + 4] for i in range(0, 16, 4)]
    return r.choice([" ".join(groups), "-".join(groups), n])


def cn_resident_id(r: random.Random) -> str:
    # districts that existed in every birth year drawn (the national check looks it up)
    area = r.choice(["110101", "110105", "120101", "310104", "440305", "330106", "420102",
                     "320102", "370102", "610102"])
    year, month, day = r.randint(1984, 2005), r.randint(1, 12), r.randint(1, 28)
    body = f"{area}{year}{month:02d}{day:02d}{r.randint(0, 999):03d}"
    return body + cn_ric_digit(body)


def ipv4(r: random.Random) -> str:
    kind = r.randrange(3)
    if kind == 0:
        return f"192.168.{r.randint(0, 255)}.{r.randint(1, 254)}"
    if kind == 1:
        return f"10.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}"
    return (f"{r.choice([23, 45, 81, 91, 185, 203, 213])}.{r.randint(0, 255)}."
            f"{r.randint(0, 255)}.{r.randint(1, 254)}")


def ipv6(r: random.Random) -> str:
    groups = [r.randint(0, 0xFFFF) for _ in range(8)]
    if r.random() < 0.5:
        groups[r.randint(2, 5)] = 0
        groups[r.randint(2, 5)] = 0
    prefix = r.choice([0x2001, 0xFE80, 0x2A02, 0x2607])
    address = ipaddress.IPv6Address(":".join(f"{g:x}" for g in [prefix, *groups[1:]]))
    return address.compressed if r.random() < 0.7 else address.exploded


FORMATS = {
    "email": email, "email_obfuscated": email_obfuscated, "email_fullwidth": email_fullwidth,
    "email_zero_width": email_zero_width,
    "phone_national_gb": phone_national_gb, "phone_national_de": phone_national_de,
    "phone_national_fr": phone_national_fr, "phone_national_us": phone_national_us,
    "phone_national_es": phone_national_es, "phone_national_it": phone_national_it,
    "phone_national_nl": phone_national_nl, "phone_international": phone_intl,
    "phone_cn_mobile": phone_cn_mobile, "phone_cn_landline": phone_cn_landline,
    "ssn_us": ssn_us, "iban": iban_any, "card": card, "cn_resident_id": cn_resident_id,
    "ipv4": ipv4, "ipv6": ipv6,
}
# the language a national format is written in (the others are spread over all languages)
FORMAT_LANGS = {"phone_national_gb": ("en",), "phone_national_us": ("en",),
                "phone_national_de": ("de",), "phone_national_fr": ("fr",),
                "phone_national_es": ("es",), "phone_national_it": ("it",),
                "phone_national_nl": ("nl",), "phone_cn_mobile": ("zh",),
                "phone_cn_landline": ("zh",), "cn_resident_id": ("zh",), "ssn_us": ("en",)}

# -- templates -------------------------------------------------------------------------------

# {x} is where the PII goes; {n} a harmless number from the same sentence's world.
CONTACT = {
    "en": ["Please call me on {x}, the app keeps logging me out.",
           "You can reach me at {x} if you need more details about the crash.",
           "Refund still missing, contact {x} — order {n} was never delivered.",
           "My details: {x}. The checkout failed three times today.",
           "Support asked for {x} before they would look at ticket {n}.",
           "Great service! If the courier gets lost again: {x}"],
    "zh": ["请联系我 {x}，订单{n}还没有发货。", "我的联系方式是{x}，客服一直不回复。",
           "退款没到账，麻烦打{x}或者回复这条评论。", "物流太慢了，有问题找我：{x}",
           "客服让我提供{x}，然后就没有下文了。", "東西不錯，售后请联系 {x} 谢谢"],
    "de": ["Bitte rufen Sie mich unter {x} an, die App stürzt ständig ab.",
           "Erreichbar bin ich unter {x}, Bestellung {n} ist nie angekommen.",
           "Meine Daten: {x}. Die Zahlung wurde zweimal abgebucht.",
           "Der Support wollte {x} haben, bevor er Ticket {n} bearbeitet.",
           "Rückfragen gerne an {x}."],
    "fr": ["Merci de me rappeler au {x}, l'application plante sans arrêt.",
           "Vous pouvez me joindre au {x}, la commande {n} n'est jamais arrivée.",
           "Mes coordonnées : {x}. Le paiement a été débité deux fois.",
           "Le service client m'a demandé {x} avant de traiter le dossier {n}.",
           "Pour toute question : {x}"],
    "es": ["Llámenme al {x}, la aplicación se cierra sola.",
           "Pueden contactarme en {x}, el pedido {n} nunca llegó.",
           "Mis datos: {x}. Me cobraron dos veces.",
           "Atención al cliente pidió {x} antes de revisar la incidencia {n}.",
           "Cualquier duda: {x}"],
    "it": ["Chiamatemi al {x}, l'app si blocca di continuo.",
           "Potete contattarmi a {x}, l'ordine {n} non è mai arrivato.",
           "I miei dati: {x}. Il pagamento è stato addebitato due volte.",
           "L'assistenza ha chiesto {x} prima di aprire la pratica {n}.",
           "Per domande: {x}"],
    "nl": ["Bel me alstublieft op {x}, de app crasht steeds.",
           "Ik ben bereikbaar via {x}, bestelling {n} is nooit aangekomen.",
           "Mijn gegevens: {x}. Er is twee keer afgeschreven.",
           "De klantenservice vroeg om {x} voordat ze ticket {n} bekeken.",
           "Vragen? {x}"],
}
# lead-ins that name what the item is, per kind of PII
LEAD = {
    "email": {"en": "e-mail", "zh": "邮箱", "de": "E-Mail", "fr": "e-mail", "es": "correo",
              "it": "e-mail", "nl": "e-mail"},
    "phone": {"en": "phone", "zh": "电话", "de": "Telefon", "fr": "tél.", "es": "teléfono",
              "it": "tel.", "nl": "telefoon"},
    "ssn": {"en": "SSN"}, "iban": {"en": "IBAN", "zh": "IBAN", "de": "IBAN", "fr": "IBAN",
                                   "es": "IBAN", "it": "IBAN", "nl": "IBAN"},
    "card": {"en": "card", "zh": "卡号", "de": "Karte", "fr": "carte", "es": "tarjeta",
             "it": "carta", "nl": "kaart"},
    "id": {"zh": "身份证号"},
    "ip": {"en": "IP", "zh": "IP", "de": "IP", "fr": "IP", "es": "IP", "it": "IP", "nl": "IP"},
}

REVIEW = {
    "en": (["The app", "This update", "The new design", "Delivery", "Customer support",
            "The camera", "Battery life", "The checkout"],
           ["is fast and easy to use", "keeps crashing when I upload photos",
            "feels much slower than before", "was friendly but could not help",
            "drains far too quickly", "works fine most of the time", "is confusing",
            "made me wait for ages", "is exactly what I needed"],
           ["", " Would recommend.", " Please fix this.", " Five stars from me.",
            " Not worth the money.", " I will try again next week."]),
    "zh": (["这个应用", "这次更新", "新界面", "物流", "客服", "拍照功能", "电池续航", "付款流程"],
           ["很好用", "老是闪退", "比以前慢多了", "态度很好但没解决问题", "掉电太快", "大部分时候正常",
            "让人看不懂", "让我等了好久", "正是我需要的"],
           ["", "推荐！", "希望尽快修复。", "五星好评。", "不值这个价。", "下周再试试。"]),
    "de": (["Die App", "Das Update", "Das neue Design", "Die Lieferung", "Der Kundenservice",
            "Die Kamera", "Der Akku", "Der Bezahlvorgang"],
           ["ist schnell und einfach", "stürzt beim Hochladen ständig ab",
            "ist viel langsamer als vorher", "war freundlich, konnte aber nicht helfen",
            "ist viel zu schnell leer", "funktioniert meistens gut", "ist verwirrend"],
           ["", " Empfehlenswert.", " Bitte beheben.", " Fünf Sterne.", " Das Geld nicht wert."]),
    "fr": (["L'application", "Cette mise à jour", "Le nouveau design", "La livraison",
            "Le service client", "L'appareil photo", "La batterie", "Le paiement"],
           ["est rapide et simple", "plante dès que j'envoie des photos",
            "est bien plus lente qu'avant", "était aimable mais n'a rien résolu",
            "se vide trop vite", "marche bien la plupart du temps", "est déroutant"],
           ["", " Je recommande.", " Corrigez ça svp.", " Cinq étoiles.", " Trop cher pour ce que c'est."]),
    "es": (["La aplicación", "Esta actualización", "El nuevo diseño", "La entrega",
            "El servicio al cliente", "La cámara", "La batería", "El pago"],
           ["es rápida y fácil", "se cierra al subir fotos", "va mucho más lenta que antes",
            "fue amable pero no ayudó", "se gasta demasiado rápido", "funciona bien casi siempre"],
           ["", " Lo recomiendo.", " Arréglenlo por favor.", " Cinco estrellas.", " No vale lo que cuesta."]),
    "it": (["L'app", "Questo aggiornamento", "Il nuovo design", "La consegna", "L'assistenza",
            "La fotocamera", "La batteria", "Il pagamento"],
           ["è veloce e semplice", "si blocca quando carico le foto", "è molto più lenta di prima",
            "è stata gentile ma non ha risolto", "si scarica troppo in fretta", "funziona quasi sempre"],
           ["", " Consigliata.", " Sistemate per favore.", " Cinque stelle.", " Non vale il prezzo."]),
    "nl": (["De app", "Deze update", "Het nieuwe ontwerp", "De bezorging", "De klantenservice",
            "De camera", "De batterij", "Het afrekenen"],
           ["is snel en makkelijk", "crasht bij het uploaden van foto's",
            "is veel trager dan eerst", "was vriendelijk maar hielp niet",
            "is veel te snel leeg", "werkt meestal prima"],
           ["", " Aanrader.", " Graag oplossen.", " Vijf sterren.", " Het geld niet waard."]),
}

# harmless digits: (kind, template per language with {d}) — each kind has its own number maker
HARMLESS = {
    "order": ({"en": "Order #{d} arrived two days late.", "zh": "订单号{d}，两天后才到。",
               "de": "Bestellung Nr. {d} kam zwei Tage zu spät.",
               "fr": "La commande n° {d} est arrivée avec deux jours de retard.",
               "es": "El pedido n.º {d} llegó dos días tarde.",
               "it": "L'ordine n. {d} è arrivato con due giorni di ritardo.",
               "nl": "Bestelling {d} kwam twee dagen te laat."},
              lambda r: r.choice([_digits(r, r.randint(5, 8), "123456789"),
                                  f"{_digits(r, 3)}-{_digits(r, 7)}-{_digits(r, 7)}",
                                  f"{r.choice(['A', 'B', 'DE', 'FR'])}{_digits(r, 9)}",
                                  _digits(r, r.randint(12, 19), "123456789")])),
    "tracking": ({"en": "Tracking number {d} has not moved since Monday.",
                  "zh": "快递单号{d}，三天没有更新了。",
                  "de": "Sendungsnummer {d} hängt seit Montag fest.",
                  "fr": "Le colis {d} ne bouge plus depuis lundi.",
                  "es": "El envío {d} no se mueve desde el lunes.",
                  "it": "La spedizione {d} è ferma da lunedì.",
                  "nl": "Pakket {d} staat sinds maandag stil."},
                 lambda r: r.choice([f"1Z{_digits(r, 3)}AA1{_digits(r, 10)}",
                                     f"SF{_digits(r, 12)}", f"JD{_digits(r, 13)}",
                                     f"JJD{_digits(r, 15)}",
                                     " ".join(_digits(r, 4) for _ in range(5)) + f" {_digits(r, 2)}"])),
    "date": ({"en": "Bought it on {d} and it broke a week later.", "zh": "{d}买的，一周后就坏了。",
              "de": "Am {d} gekauft, eine Woche später kaputt.",
              "fr": "Acheté le {d}, cassé une semaine après.",
              "es": "Lo compré el {d} y se rompió a la semana.",
              "it": "Comprato il {d}, rotto dopo una settimana.",
              "nl": "Gekocht op {d}, een week later kapot."},
             lambda r: r.choice([f"2026-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}",
                                 f"{r.randint(1, 28):02d}.{r.randint(1, 12):02d}.2025",
                                 f"{r.randint(1, 12):02d}/{r.randint(1, 28):02d}/2024",
                                 f"2025年{r.randint(1, 12)}月{r.randint(1, 28)}日",
                                 f"{r.randint(1, 28)} March 2026", "20260304"])),
    "price": ({"en": "Paid {d} and it was not worth it.", "zh": "花了{d}，不值。",
               "de": "{d} bezahlt, das war es nicht wert.", "fr": "Payé {d}, ça ne les vaut pas.",
               "es": "Pagué {d} y no lo vale.", "it": "Pagato {d}, non li vale.",
               "nl": "{d} betaald, niet waard."},
              lambda r: r.choice([f"${r.randint(1, 999)}.{r.randint(0, 99):02d}",
                                  f"€{r.randint(1, 3)}.{r.randint(100, 999)},00",
                                  f"¥{r.randint(1, 9)},{r.randint(100, 999)}",
                                  f"£{r.randint(1, 99)}.{r.randint(0, 99):02d}",
                                  f"{r.randint(1000, 1999)} €", f"{r.randint(100, 9999)}元"])),
    "version": ({"en": "Since version {d} the app is much slower.", "zh": "升级到{d}以后变卡了。",
                 "de": "Seit Version {d} ist die App viel langsamer.",
                 "fr": "Depuis la version {d} l'appli rame.",
                 "es": "Desde la versión {d} va muy lenta.",
                 "it": "Dalla versione {d} è lentissima.",
                 "nl": "Sinds versie {d} is de app veel trager."},
                lambda r: r.choice([f"{r.randint(1, 20)}.{r.randint(0, 30)}.{r.randint(0, 9)}",
                                    f"v{r.randint(1, 9)}.{r.randint(0, 99)}",
                                    f"iOS {r.randint(14, 18)}.{r.randint(0, 6)}.{r.randint(1, 3)}",
                                    f"build {r.randint(2023, 2026)}{r.randint(1, 12):02d}"
                                    f"{r.randint(1, 28):02d}.{r.randint(1, 9)}",
                                    f"{r.randint(1, 5)}.{r.randint(0, 9)}.{r.randint(0, 9)}."
                                    f"{r.randint(1000, 9999)}"])),
    "time": ({"en": "The courier came at {d} instead of the morning.", "zh": "快递{d}才到。",
              "de": "Der Bote kam erst um {d}.", "fr": "Le livreur est passé à {d}.",
              "es": "El repartidor vino a las {d}.", "it": "Il corriere è arrivato alle {d}.",
              "nl": "De bezorger kwam pas om {d}."},
             lambda r: r.choice([f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d}",
                                 f"{r.randint(1, 12)}:{r.randint(0, 59):02d} pm",
                                 f"{r.randint(8, 11)}:{r.randint(0, 59):02d}–"
                                 f"{r.randint(12, 17)}:{r.randint(0, 59):02d}",
                                 f"{r.randint(0, 23)}h{r.randint(0, 59):02d}"])),
    "quantity": ({"en": "I ordered {d} and got half.", "zh": "买了{d}，只到了一半。",
                  "de": "Ich habe {d} bestellt und die Hälfte bekommen.",
                  "fr": "J'ai commandé {d} et reçu la moitié.",
                  "es": "Pedí {d} y llegó la mitad.", "it": "Ho ordinato {d} e ne è arrivata metà.",
                  "nl": "Ik bestelde {d} en kreeg de helft."},
                 lambda r: r.choice([f"{r.randint(2, 48)} items",
                                     f"{r.randint(2, 12)} x {r.randint(1, 9)}00 g",
                                     f"{r.randint(1, 9)},{r.randint(1, 9)} kg", f"{r.randint(2, 500)} pcs",
                                     f"{r.randint(2, 24)}件", f"{r.randint(1, 5)} l"])),
    "postcode": ({"en": "Delivery to {d} took a week.", "zh": "寄到{d}用了一周。",
                  "de": "Die Lieferung nach {d} dauerte eine Woche.",
                  "fr": "La livraison à {d} a pris une semaine.",
                  "es": "El envío a {d} tardó una semana.",
                  "it": "La consegna a {d} ha richiesto una settimana.",
                  "nl": "Bezorgen in {d} duurde een week."},
                 lambda r: r.choice(["SW1A 1AA", "EC1A 1BB", f"{r.randint(10115, 14199)} Berlin",
                                     f"750{r.randint(1, 20):02d} Paris", f"280{r.randint(1, 55):02d} Madrid",
                                     f"001{r.randint(0, 99):02d} Roma", f"10{r.randint(11, 99)} AB Amsterdam",
                                     f"北京市{r.randint(100000, 102600)}", f"{r.randint(10001, 99950)}"])),
    "model": ({"en": "My {d} overheats while charging.", "zh": "我的{d}充电时发烫。",
               "de": "Mein {d} wird beim Laden heiß.", "fr": "Mon {d} chauffe en charge.",
               "es": "Mi {d} se calienta al cargar.", "it": "Il mio {d} scalda in carica.",
               "nl": "Mijn {d} wordt heet tijdens het laden."},
              lambda r: r.choice(["SM-G991B", "WH-1000XM4", f"iPhone {r.randint(11, 16)} Pro",
                                  f"RTX {r.choice([3060, 4070, 4090])}", f"XPS 13 93{r.randint(10, 99)}",
                                  f"KD-55X{r.randint(80, 95)}K", f"Redmi Note {r.randint(8, 13)}",
                                  f"ThinkPad T{r.randint(14, 16)}{r.choice(['', 's'])} "
                                  f"Gen {r.randint(1, 5)}"])),
    "percent": ({"en": "Got {d} off and it is still too expensive.", "zh": "打了{d}折扣还是贵。",
                 "de": "{d} Rabatt und trotzdem zu teuer.", "fr": "{d} de remise et toujours trop cher.",
                 "es": "Un {d} de descuento y sigue caro.", "it": "Sconto del {d} e resta caro.",
                 "nl": "{d} korting en nog te duur."},
                lambda r: r.choice([f"{r.randint(5, 70)}%", f"{r.randint(1, 99)},{r.randint(1, 9)} %",
                                    f"{r.randint(5, 70)} percent"])),
    "year": ({"en": "I have used it since {d} without problems.", "zh": "从{d}年用到现在。",
              "de": "Ich nutze es seit {d} ohne Probleme.", "fr": "Je l'utilise depuis {d}.",
              "es": "Lo uso desde {d}.", "it": "Lo uso dal {d}.", "nl": "Ik gebruik het sinds {d}."},
             lambda r: str(r.randint(1995, 2026))),
    "isbn": ({"en": "The book (ISBN {d}) arrived with a torn cover.", "zh": "书号ISBN {d}，封面破了。",
              "de": "Das Buch (ISBN {d}) kam mit Knick.", "fr": "Le livre (ISBN {d}) est abîmé.",
              "es": "El libro (ISBN {d}) llegó roto.", "it": "Il libro (ISBN {d}) è rovinato.",
              "nl": "Het boek (ISBN {d}) was beschadigd."},
             lambda r: (f"978-{r.randint(0, 9)}-{r.randint(10, 99)}-"
                        f"{r.randint(100000, 999999)}-{r.randint(0, 9)}")),
    "counts": ({"en": "Waited {d} minutes on hold, rated it 2/5.", "zh": "排队等了{d}分钟，给2星。",
                "de": "{d} Minuten in der Warteschleife, 2 von 5 Sternen.",
                "fr": "{d} minutes d'attente, 2/5.", "es": "{d} minutos en espera, 2 de 5.",
                "it": "{d} minuti di attesa, 2 su 5.", "nl": "{d} minuten in de wacht, 2 van 5."},
               lambda r: str(r.randint(3, 240))),
}


def _lead(fmt: str, lang: str) -> str | None:
    kind = ("email" if fmt.startswith("email") else "phone" if fmt.startswith("phone")
            else "ssn" if fmt == "ssn_us" else "id" if fmt == "cn_resident_id"
            else "ip" if fmt.startswith("ip") else fmt)
    return LEAD.get(kind, {}).get(lang)


def positives(r: random.Random) -> list[dict]:
    rows = []
    for fmt, make in FORMATS.items():
        langs = FORMAT_LANGS.get(fmt, LANGS)
        for i in range(PER_FORMAT):
            lang = langs[i % len(langs)]
            pii = make(r)
            template = r.choice(CONTACT[lang])
            lead = _lead(fmt, lang)
            shown = f"{lead} {pii}" if lead and r.random() < 0.5 else pii
            order = HARMLESS["order"][1](r)
            rows.append({"lang": lang, "text": template.format(x=shown, n=order),
                         "format": fmt, "pii": [pii]})
    return rows


def clean_texts(r: random.Random) -> list[dict]:
    rows = []
    for i in range(CLEAN_PLAIN):
        lang = LANGS[i % len(LANGS)]
        subjects, verbs, tails = REVIEW[lang]
        glue = "" if lang == "zh" else " "
        text = f"{r.choice(subjects)}{glue}{r.choice(verbs)}{'。' if lang == 'zh' else '.'}{r.choice(tails)}"
        rows.append({"lang": lang, "text": text.strip(), "format": None, "pii": []})
    kinds = sorted(HARMLESS)
    for i in range(CLEAN_DIGITS):
        lang = LANGS[i % len(LANGS)]
        kind = kinds[i % len(kinds)]
        templates, make = HARMLESS[kind]
        subjects, verbs, _ = REVIEW[lang]
        glue = "" if lang == "zh" else " "
        lead = f"{r.choice(subjects)}{glue}{r.choice(verbs)}{'，' if lang == 'zh' else '. '}"
        rows.append({"lang": lang, "text": lead + templates[lang].format(d=make(r)),
                     "format": None, "pii": [], "digits": kind})
    return rows


def split(rows: list[dict], r: random.Random) -> tuple[list[dict], list[dict]]:
    """50/50 per stratum (format; clean texts with and without digits apart)."""
    strata: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        strata[row["format"] or ("clean_digits" if row.get("digits") else "clean")].append(row)
    train, test = [], []
    for name in sorted(strata):
        items = strata[name]
        r.shuffle(items)
        half = len(items) // 2
        train += items[:half]
        test += items[half:]
    return train, test


def main() -> None:
    r = random.Random(SEED)
    rows = positives(r) + clean_texts(r)
    for i, row in enumerate(rows):
        row["id"] = f"pii-{i:05d}"
        for item in row["pii"]:
            assert item in row["text"], row
    train, test = split(rows, r)
    for name, part in (("train", train), ("test", test)):
        part.sort(key=lambda row: row["id"])
        with open(HERE / f"{name}.jsonl", "w", encoding="utf-8") as f:
            for row in part:
                out = {k: row[k] for k in ("id", "lang", "text", "format", "pii")}
                if row.get("digits"):
                    out["digits"] = row["digits"]
                f.write(json.dumps(out, ensure_ascii=False) + "\n")
    digest = hashlib.sha256((HERE / "test.jsonl").read_bytes()).hexdigest()
    (HERE / "HASH").write_text(f"{digest}  test.jsonl\n", encoding="utf-8")
    n_pos = sum(1 for row in rows if row["format"])
    print(f"{len(rows)} rows ({n_pos} with PII in {len(FORMATS)} formats, {len(rows) - n_pos} clean, "
          f"{CLEAN_DIGITS} of them with harmless digits): train {len(train)}, test {len(test)}")


if __name__ == "__main__":
    main()
