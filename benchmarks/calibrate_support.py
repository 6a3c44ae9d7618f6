"""Calibrate the similarity threshold that decides whether a text supports a claim.

    python benchmarks/calibrate_support.py            # writes agent/persona/support_thresholds.json

Claims are sentences written for this calibration about banking77 intents (English) and
online_shopping_10_cats product categories (Chinese); a text "supports" a claim when it has
that intent or category. For each embedder the threshold maximising mean F1 over the claims
is chosen by F0.5 (precision counts twice as much as recall: an overstated prevalence is
worse than a cautious one); precision and recall at it are recorded next to it. Prevalence in
personas and counts in answers are only as good as this threshold, so it is measured, not
guessed.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from common import ROOT, SHARED, embed_cached, load_jsonl, stratified_sample

EN_CLAIMS = {
    "card_arrival": "They are still waiting for their new card to arrive.",
    "lost_or_stolen_card": "Their card was lost or stolen.",
    "exchange_rate": "They want to know the exchange rate they get.",
    "pending_transfer": "Their transfer is still pending and has not gone through.",
    "declined_card_payment": "Their card payment was declined.",
    "passcode_forgotten": "They forgot their passcode and cannot log in.",
    "top_up_failed": "Their attempt to top up the account failed.",
    "request_refund": "They want a refund for something they bought.",
    "atm_support": "They want to know which ATMs they can use.",
    "terminate_account": "They want to close their account.",
    "cash_withdrawal_charge": "They were charged a fee for withdrawing cash.",
    "change_pin": "They want to change their PIN.",
    "apple_pay_or_google_pay": "They ask about paying with Apple Pay or Google Pay.",
    "age_limit": "They ask whether there is a minimum age to open an account.",
    "wrong_amount_of_cash_received": "The ATM gave them the wrong amount of cash.",
    "verify_my_identity": "They need to verify their identity.",
    "card_linking": "They want to link a card they already have to the app.",
    "transfer_timing": "They ask how long a transfer takes to arrive.",
    "extra_charge_on_statement": "They see an extra charge on their statement they do not recognise.",
    "disposable_card_limits": "They ask about the limits of disposable virtual cards.",
}
ZH_CLAIMS = {
    "酒店": "他们在评价酒店的房间、服务和位置。",
    "书籍": "他们在评价一本书的内容和印刷质量。",
    "手机": "他们在评价手机的屏幕、电池和信号。",
    "水果": "他们在评价水果是否新鲜、甜不甜。",
    "洗发水": "他们在评价洗发水的味道和洗后头发的感觉。",
    "热水器": "他们在评价热水器的安装和加热效果。",
    "蒙牛": "他们在评价牛奶的口味和保质期。",
    "衣服": "他们在评价衣服的尺码、面料和做工。",
    "计算机": "他们在评价电脑的性能、散热和系统。",
    "平板": "他们在评价平板电脑的屏幕和运行速度。",
}
GRID = np.round(np.arange(0.15, 0.85, 0.01), 2)


def f1_curve(claims: dict[str, str], texts: list[str], labels: np.ndarray, kind: str):
    tv = embed_cached(texts, kind)
    cv = embed_cached(list(claims.values()), kind)
    sims = cv @ tv.T
    rows = []
    for t in GRID:
        p_list, r_list, f_list = [], [], []
        for i, label in enumerate(claims):
            pred = sims[i] >= t
            truth = labels == label
            tp = float((pred & truth).sum())
            p = tp / pred.sum() if pred.sum() else 1.0
            r = tp / truth.sum()
            p_list.append(p)
            r_list.append(r)
            f_list.append(1.25 * p * r / (0.25 * p + r) if p + r else 0.0)  # F0.5
        rows.append((float(t), float(np.mean(p_list)), float(np.mean(r_list)),
                     float(np.mean(f_list))))
    return rows


def main() -> None:
    b77 = load_jsonl(SHARED / "banking77" / "data.jsonl")
    b77 = [r for r in b77 if r["split"] == "test"]
    zh = stratified_sample(load_jsonl(SHARED / "online_shopping_10_cats" / "data.jsonl"), 5000,
                           "label", seed=3)
    sets = {
        "minilm:all-MiniLM-L6-v2": [("minilm", "en", EN_CLAIMS, b77)],
        "multilingual:use-multilingual-v3": [("multilingual", "en", EN_CLAIMS, b77),
                                             ("multilingual", "zh", ZH_CLAIMS, zh)],
    }
    out = {}
    for embedder, parts in sets.items():
        curves = [f1_curve(claims, [r["text"] for r in rows],
                           np.array([r["label"] for r in rows]), kind)
                  for kind, _lang, claims, rows in parts]
        by_language = {}
        for (_kind, lang, _claims, _rows), curve in zip(parts, curves, strict=True):
            b = max(curve, key=lambda row: row[3])
            by_language[lang] = {"threshold": b[0], "precision": round(b[1], 3),
                                 "recall": round(b[2], 3), "f05": round(b[3], 3)}
            print(f"{embedder} [{lang}]: threshold {b[0]:.2f} → precision {b[1]:.3f}, recall "
                  f"{b[2]:.3f}, F0.5 {b[3]:.3f}")
        mean = [(t, *np.mean([[c[i][1], c[i][2], c[i][3]] for c in curves], axis=0))
                for i, (t, *_rest) in enumerate(curves[0])]
        best = max(mean, key=lambda row: row[3])
        out[embedder] = {"threshold": best[0], "precision": round(best[1], 3),
                         "recall": round(best[2], 3), "f05": round(best[3], 3),
                         "by_language": by_language,
                         "claims": sum(len(p[2]) for p in parts),
                         "data": [f"{p[1]}: {len(p[3])} texts, {len(p[2])} claims" for p in parts]}
        print(f"{embedder}: threshold {best[0]:.2f} → precision {best[1]:.3f}, recall "
              f"{best[2]:.3f}, F0.5 {best[3]:.3f}")
    path = ROOT / "agent" / "persona" / "support_thresholds.json"
    Path(path).write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
