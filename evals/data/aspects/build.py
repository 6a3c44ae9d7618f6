"""Build personakit's labelled evaluation data from the hand-written domain files.

Every text under evals/data was written for personakit; nothing is copied from a data set.
This script only reads ``evals/data/aspects/domains/*.json`` (plus ``evals/data/SPLIT.json``),
validates them and derives, byte-for-byte deterministically:

* ``aspects/sentences.jsonl``  one row per labelled sentence (aspect sentences and role sentences)
* ``aspects/aspects.jsonl``    one row per aspect
* ``ask/questions.jsonl``      one row per question about an aspect
* ``planted/<domain>.csv``, ``planted/<domain>.labels.jsonl``, ``planted/<domain>.truth.json``
  a planted corpus per domain with its labels and true counts
* ``HASHES.json``              sha256 of everything that belongs to the test split

Usage (from the repository root)::

    python evals/data/aspects/build.py            # (re)write every output
    python evals/data/aspects/build.py --check    # rebuild in memory, compare with disk and HASHES.json

A plain build refuses to change the frozen test hashes; ``--refreeze`` overrides that on purpose.
Standard library only.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import random
import re
import sys
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE.parent
DOMAINS_DIR = HERE / "domains"
SPLIT_FILE = DATA / "SPLIT.json"
HASHES_NAME = "HASHES.json"

FACETS = ("goal", "pain_point", "behaviour", "motivation")
ROLE_FACET = "who"
LANGS = ("en", "zh")
QUESTION_KINDS = ("who", "how_many", "other")
EN_WORDS = (4, 30)
ZH_CHARS = (5, 40)
CJK = re.compile(r"[\u4e00-\u9fff]")

# --------------------------------------------------------------------------------------------
# Planted corpora: per domain, the groups, their sizes, language mix, trend and aspect shares.
# A share is the fraction of the group's texts that contain the aspect (exact up to rounding).
# zh = share of the group's texts written in Chinese. trend "growing": more texts in later months.
# --------------------------------------------------------------------------------------------
PLANTED: dict[str, list[dict]] = {
    "fitness_tracker": [
        {
            "key": "runners",
            "role": "runner",
            "size": 90,
            "zh": 0.1,
            "trend": "flat",
            "aspects": {
                "inaccurate_heart_rate": 0.45,
                "battery_drain": 0.35,
                "sync_failures": 0.25,
                "power_saving_mode": 0.2,
            },
        },
        {
            "key": "desk_workers",
            "role": "desk_worker",
            "size": 85,
            "zh": 0.5,
            "trend": "growing",
            "aspects": {
                "step_goal_motivation": 0.5,
                "nightly_sleep_tracking": 0.3,
                "sleep_insights": 0.25,
                "sync_failures": 0.15,
            },
        },
        {
            "key": "seniors",
            "role": "senior",
            "size": 70,
            "zh": 0.9,
            "trend": "flat",
            "aspects": {
                "health_reasons": 0.55,
                "nightly_sleep_tracking": 0.3,
                "battery_drain": 0.2,
                "sleep_insights": 0.1,
            },
        },
        {
            "key": "sleep_trackers",
            "role": None,
            "size": 60,
            "zh": 0.1,
            "trend": "growing",
            "aspects": {"nightly_sleep_tracking": 0.5, "sleep_insights": 0.45, "power_saving_mode": 0.15},
        },
        {
            "key": "hardware_complaints",
            "role": None,
            "size": 55,
            "zh": 0.1,
            "trend": "flat",
            "aspects": {"battery_drain": 0.5, "sync_failures": 0.4, "inaccurate_heart_rate": 0.25},
        },
    ],
    "food_delivery": [
        {
            "key": "office_workers",
            "role": "office_worker",
            "size": 90,
            "zh": 0.1,
            "trend": "flat",
            "aspects": {
                "late_delivery": 0.5,
                "reorder_favourites": 0.35,
                "live_tracking": 0.3,
                "high_fees": 0.15,
            },
        },
        {
            "key": "students",
            "role": "college_student",
            "size": 80,
            "zh": 0.9,
            "trend": "growing",
            "aspects": {
                "high_fees": 0.55,
                "fee_membership": 0.4,
                "cold_food": 0.2,
                "reorder_favourites": 0.12,
            },
        },
        {
            "key": "night_shift",
            "role": "night_shift_worker",
            "size": 70,
            "zh": 0.5,
            "trend": "flat",
            "aspects": {
                "no_time_to_cook": 0.55,
                "cold_food": 0.35,
                "late_delivery": 0.25,
                "live_tracking": 0.1,
            },
        },
        {
            "key": "happy_regulars",
            "role": None,
            "size": 65,
            "zh": 0.1,
            "trend": "growing",
            "aspects": {"fast_delivery_praise": 0.55, "reorder_favourites": 0.4, "no_time_to_cook": 0.25},
        },
        {
            "key": "unhappy_customers",
            "role": None,
            "size": 55,
            "zh": 0.1,
            "trend": "flat",
            "aspects": {"high_fees": 0.45, "late_delivery": 0.4, "cold_food": 0.3},
        },
    ],
    "hotel_booking": [
        {
            "key": "business_travellers",
            "role": "business_traveller",
            "size": 90,
            "zh": 0.5,
            "trend": "flat",
            "aspects": {
                "last_minute_booking": 0.45,
                "booking_not_found": 0.35,
                "map_search": 0.3,
                "hidden_fees": 0.15,
            },
        },
        {
            "key": "families",
            "role": "family_vacationer",
            "size": 85,
            "zh": 0.1,
            "trend": "growing",
            "aspects": {
                "photos_misleading": 0.45,
                "free_cancellation_filter": 0.4,
                "trusted_reviews": 0.25,
                "hidden_fees": 0.15,
            },
        },
        {
            "key": "backpackers",
            "role": "backpacker",
            "size": 75,
            "zh": 0.9,
            "trend": "flat",
            "aspects": {
                "best_price_reason": 0.5,
                "hidden_fees": 0.35,
                "last_minute_booking": 0.2,
                "free_cancellation_filter": 0.1,
            },
        },
        {
            "key": "review_readers",
            "role": None,
            "size": 60,
            "zh": 0.1,
            "trend": "growing",
            "aspects": {"trusted_reviews": 0.55, "map_search": 0.35, "best_price_reason": 0.2},
        },
        {
            "key": "bad_stays",
            "role": None,
            "size": 50,
            "zh": 0.1,
            "trend": "flat",
            "aspects": {"photos_misleading": 0.5, "booking_not_found": 0.4, "hidden_fees": 0.25},
        },
    ],
    "language_learning": [
        {
            "key": "exam_students",
            "role": "exam_student",
            "size": 95,
            "zh": 0.9,
            "trend": "growing",
            "aspects": {
                "speech_recognition_errors": 0.45,
                "pronunciation_feedback": 0.35,
                "repetitive_exercises": 0.3,
                "daily_short_sessions": 0.2,
            },
        },
        {
            "key": "relocating_professionals",
            "role": "relocating_professional",
            "size": 80,
            "zh": 0.1,
            "trend": "flat",
            "aspects": {
                "grammar_explanations": 0.45,
                "daily_short_sessions": 0.4,
                "paywall_features": 0.25,
                "streak_motivation": 0.15,
            },
        },
        {
            "key": "retirees",
            "role": "retiree",
            "size": 70,
            "zh": 0.5,
            "trend": "flat",
            "aspects": {
                "travel_motivation": 0.5,
                "grammar_explanations": 0.3,
                "speech_recognition_errors": 0.2,
                "repetitive_exercises": 0.15,
            },
        },
        {
            "key": "streak_keepers",
            "role": None,
            "size": 60,
            "zh": 0.1,
            "trend": "growing",
            "aspects": {"streak_motivation": 0.55, "daily_short_sessions": 0.45, "travel_motivation": 0.15},
        },
        {
            "key": "churn_risk",
            "role": None,
            "size": 55,
            "zh": 0.1,
            "trend": "flat",
            "aspects": {
                "paywall_features": 0.5,
                "repetitive_exercises": 0.45,
                "speech_recognition_errors": 0.2,
            },
        },
    ],
    "music_streaming": [
        {
            "key": "commuters",
            "role": "daily_commuter",
            "size": 90,
            "zh": 0.1,
            "trend": "flat",
            "aspects": {
                "commute_listening": 0.45,
                "offline_listening": 0.35,
                "downloads_vanish": 0.25,
                "too_many_ads": 0.15,
            },
        },
        {
            "key": "musicians",
            "role": "amateur_musician",
            "size": 75,
            "zh": 0.5,
            "trend": "growing",
            "aspects": {
                "synced_lyrics": 0.45,
                "ad_free_plan": 0.3,
                "too_many_ads": 0.25,
                "free_tier_value": 0.1,
            },
        },
        {
            "key": "retirees",
            "role": "retiree",
            "size": 70,
            "zh": 0.9,
            "trend": "flat",
            "aspects": {
                "cluttered_interface": 0.5,
                "free_tier_value": 0.3,
                "too_many_ads": 0.25,
                "synced_lyrics": 0.15,
            },
        },
        {
            "key": "free_listeners",
            "role": None,
            "size": 70,
            "zh": 0.1,
            "trend": "growing",
            "aspects": {
                "free_tier_value": 0.5,
                "too_many_ads": 0.4,
                "ad_free_plan": 0.25,
            },
        },
        {
            "key": "offline_complaints",
            "role": None,
            "size": 55,
            "zh": 0.1,
            "trend": "flat",
            "aspects": {
                "downloads_vanish": 0.55,
                "offline_listening": 0.3,
                "cluttered_interface": 0.2,
            },
        },
    ],
    "note_taking": [
        {
            "key": "grad_students",
            "role": "grad_student",
            "size": 85,
            "zh": 0.9,
            "trend": "growing",
            "aspects": {
                "slow_search": 0.45,
                "plain_export": 0.35,
                "sync_conflicts": 0.25,
                "one_place_for_everything": 0.15,
            },
        },
        {
            "key": "managers",
            "role": "project_manager",
            "size": 90,
            "zh": 0.1,
            "trend": "flat",
            "aspects": {
                "weekly_review": 0.5,
                "sync_conflicts": 0.35,
                "one_place_for_everything": 0.3,
                "slow_search": 0.1,
            },
        },
        {
            "key": "teachers",
            "role": "teacher",
            "size": 70,
            "zh": 0.5,
            "trend": "flat",
            "aspects": {
                "handwriting_input": 0.5,
                "quick_capture": 0.3,
                "lock_in_fear": 0.2,
                "sync_conflicts": 0.15,
            },
        },
        {
            "key": "capture_fans",
            "role": None,
            "size": 60,
            "zh": 0.1,
            "trend": "growing",
            "aspects": {
                "quick_capture": 0.55,
                "one_place_for_everything": 0.4,
                "handwriting_input": 0.15,
            },
        },
        {
            "key": "worried_archivists",
            "role": None,
            "size": 55,
            "zh": 0.1,
            "trend": "flat",
            "aspects": {
                "lock_in_fear": 0.55,
                "plain_export": 0.4,
                "slow_search": 0.2,
            },
        },
    ],
    "photo_editing": [
        {
            "key": "online_sellers",
            "role": "online_seller",
            "size": 85,
            "zh": 0.5,
            "trend": "growing",
            "aspects": {
                "one_tap_cutout": 0.5,
                "batch_editing": 0.4,
                "watermark_free_tier": 0.25,
                "export_quality_loss": 0.15,
            },
        },
        {
            "key": "creators",
            "role": "content_creator",
            "size": 80,
            "zh": 0.9,
            "trend": "flat",
            "aspects": {
                "same_preset_before_posting": 0.45,
                "edit_on_phone_after_shooting": 0.4,
                "export_quality_loss": 0.3,
                "watermark_free_tier": 0.1,
            },
        },
        {
            "key": "hobby_photographers",
            "role": "amateur_photographer",
            "size": 75,
            "zh": 0.1,
            "trend": "flat",
            "aspects": {
                "raw_support": 0.45,
                "crashes_large_files": 0.4,
                "export_quality_loss": 0.25,
                "batch_editing": 0.1,
            },
        },
        {
            "key": "casual_editors",
            "role": None,
            "size": 65,
            "zh": 0.1,
            "trend": "growing",
            "aspects": {
                "edit_on_phone_after_shooting": 0.45,
                "same_preset_before_posting": 0.35,
                "one_tap_cutout": 0.3,
            },
        },
        {
            "key": "frustrated_free_users",
            "role": None,
            "size": 55,
            "zh": 0.1,
            "trend": "flat",
            "aspects": {"watermark_free_tier": 0.5, "crashes_large_files": 0.4, "export_quality_loss": 0.2},
        },
    ],
    "ride_hailing": [
        {
            "key": "business_travellers",
            "role": "business_traveller",
            "size": 90,
            "zh": 0.1,
            "trend": "flat",
            "aspects": {
                "airport_trips": 0.5,
                "surge_pricing": 0.35,
                "scheduled_rides": 0.3,
                "driver_cancels": 0.15,
            },
        },
        {
            "key": "parents",
            "role": "parent_with_kids",
            "size": 75,
            "zh": 0.5,
            "trend": "growing",
            "aspects": {
                "long_pickup_wait": 0.45,
                "safety_features": 0.35,
                "scheduled_rides": 0.25,
                "upfront_fare": 0.1,
            },
        },
        {
            "key": "seniors",
            "role": "senior_rider",
            "size": 70,
            "zh": 0.9,
            "trend": "flat",
            "aspects": {
                "no_car_needed": 0.5,
                "long_pickup_wait": 0.3,
                "upfront_fare": 0.25,
                "safety_features": 0.15,
            },
        },
        {
            "key": "price_sensitive",
            "role": None,
            "size": 70,
            "zh": 0.1,
            "trend": "growing",
            "aspects": {"surge_pricing": 0.5, "upfront_fare": 0.4, "driver_cancels": 0.25},
        },
        {
            "key": "cancellation_victims",
            "role": None,
            "size": 55,
            "zh": 0.1,
            "trend": "flat",
            "aspects": {
                "driver_cancels": 0.55,
                "long_pickup_wait": 0.4,
                "no_car_needed": 0.15,
                "airport_trips": 0.1,
            },
        },
    ],
    "secondhand_marketplace": [
        {
            "key": "resellers",
            "role": "reseller",
            "size": 90,
            "zh": 0.5,
            "trend": "flat",
            "aspects": {
                "lowball_offers": 0.45,
                "browse_new_listings": 0.35,
                "saved_search_alerts": 0.3,
                "scam_fear": 0.15,
            },
        },
        {
            "key": "students",
            "role": "college_student",
            "size": 80,
            "zh": 0.9,
            "trend": "growing",
            "aspects": {
                "bargain_prices": 0.5,
                "scam_fear": 0.3,
                "not_as_described": 0.25,
                "declutter_selling": 0.1,
            },
        },
        {
            "key": "collectors",
            "role": "collector",
            "size": 75,
            "zh": 0.1,
            "trend": "flat",
            "aspects": {
                "saved_search_alerts": 0.45,
                "not_as_described": 0.4,
                "verified_sellers": 0.25,
                "browse_new_listings": 0.15,
            },
        },
        {
            "key": "declutterers",
            "role": None,
            "size": 60,
            "zh": 0.1,
            "trend": "growing",
            "aspects": {
                "declutter_selling": 0.55,
                "lowball_offers": 0.35,
                "bargain_prices": 0.2,
            },
        },
        {
            "key": "burned_buyers",
            "role": None,
            "size": 55,
            "zh": 0.1,
            "trend": "flat",
            "aspects": {
                "not_as_described": 0.5,
                "verified_sellers": 0.4,
                "scam_fear": 0.3,
            },
        },
    ],
    "smart_home": [
        {
            "key": "remote_workers",
            "role": "remote_worker",
            "size": 90,
            "zh": 0.1,
            "trend": "growing",
            "aspects": {
                "voice_control_daily": 0.4,
                "schedule_ignored": 0.35,
                "energy_reports": 0.3,
                "command_lag": 0.2,
            },
        },
        {
            "key": "landlords",
            "role": "landlord",
            "size": 80,
            "zh": 0.5,
            "trend": "flat",
            "aspects": {
                "remote_adjusting": 0.45,
                "shared_access": 0.4,
                "wifi_disconnects": 0.3,
                "energy_savings": 0.1,
            },
        },
        {
            "key": "pet_owners",
            "role": "pet_owner",
            "size": 70,
            "zh": 0.9,
            "trend": "flat",
            "aspects": {"remote_adjusting": 0.5, "wifi_disconnects": 0.35, "schedule_ignored": 0.25},
        },
        {
            "key": "energy_savers",
            "role": None,
            "size": 65,
            "zh": 0.1,
            "trend": "growing",
            "aspects": {"energy_savings": 0.55, "energy_reports": 0.4, "remote_adjusting": 0.2},
        },
        {
            "key": "connectivity_complaints",
            "role": None,
            "size": 55,
            "zh": 0.1,
            "trend": "flat",
            "aspects": {
                "wifi_disconnects": 0.5,
                "command_lag": 0.45,
                "schedule_ignored": 0.15,
                "voice_control_daily": 0.1,
            },
        },
    ],
    "telehealth": [
        {
            "key": "new_parents",
            "role": "new_parent",
            "size": 85,
            "zh": 0.1,
            "trend": "growing",
            "aspects": {
                "evening_consults": 0.45,
                "slots_fully_booked": 0.35,
                "long_wait_for_call": 0.25,
                "skip_the_trip": 0.15,
            },
        },
        {
            "key": "chronic_patients",
            "role": "chronic_patient",
            "size": 80,
            "zh": 0.9,
            "trend": "flat",
            "aspects": {
                "prescription_refill": 0.5,
                "same_doctor_followup": 0.4,
                "health_data_privacy": 0.2,
                "long_wait_for_call": 0.1,
            },
        },
        {
            "key": "rural_patients",
            "role": "rural_resident",
            "size": 70,
            "zh": 0.5,
            "trend": "flat",
            "aspects": {
                "skip_the_trip": 0.5,
                "long_wait_for_call": 0.3,
                "prescription_refill": 0.2,
                "symptom_checker_first": 0.15,
            },
        },
        {
            "key": "cautious_users",
            "role": None,
            "size": 65,
            "zh": 0.1,
            "trend": "flat",
            "aspects": {
                "health_data_privacy": 0.5,
                "symptom_checker_first": 0.4,
                "same_doctor_followup": 0.2,
            },
        },
        {
            "key": "booking_frustration",
            "role": None,
            "size": 60,
            "zh": 0.1,
            "trend": "growing",
            "aspects": {
                "slots_fully_booked": 0.55,
                "long_wait_for_call": 0.4,
                "evening_consults": 0.15,
            },
        },
    ],
    "video_streaming": [
        {
            "key": "parents",
            "role": "parent",
            "size": 90,
            "zh": 0.1,
            "trend": "flat",
            "aspects": {
                "offline_downloads": 0.45,
                "ad_free": 0.35,
                "price_increase": 0.3,
                "better_recommendations": 0.1,
            },
        },
        {
            "key": "students",
            "role": "college_student",
            "size": 85,
            "zh": 0.9,
            "trend": "growing",
            "aspects": {
                "price_increase": 0.5,
                "weekend_binge": 0.4,
                "buffering": 0.25,
                "exclusive_originals": 0.1,
            },
        },
        {
            "key": "film_buffs",
            "role": "film_enthusiast",
            "size": 70,
            "zh": 0.5,
            "trend": "flat",
            "aspects": {
                "content_removed": 0.45,
                "better_recommendations": 0.4,
                "exclusive_originals": 0.2,
                "buffering": 0.1,
            },
        },
        {
            "key": "bingers",
            "role": None,
            "size": 60,
            "zh": 0.1,
            "trend": "growing",
            "aspects": {"weekend_binge": 0.5, "exclusive_originals": 0.45, "ad_free": 0.15},
        },
        {
            "key": "playback_complaints",
            "role": None,
            "size": 55,
            "zh": 0.1,
            "trend": "flat",
            "aspects": {"buffering": 0.55, "content_removed": 0.35, "offline_downloads": 0.25},
        },
    ],
}

# User ids: one sample of distinct numbers, cut into blocks of UID_BLOCK, one block per domain (so no
# user id is shared between corpora). A domain's block is its position in UID_BLOCKS, not its position
# in the sorted domain list: the first eight are the original domains in their original order, and new
# domains are only ever appended, so adding a domain changes no other domain's user ids. (random.sample
# with a larger k returns the same first numbers, so the first eight blocks are what they always were.)
UID_BLOCK = 400
UID_BLOCKS = (
    "fitness_tracker",
    "food_delivery",
    "hotel_booking",
    "language_learning",
    "photo_editing",
    "ride_hailing",
    "smart_home",
    "video_streaming",
    "music_streaming",
    "note_taking",
    "secondhand_marketplace",
    "telehealth",
)

CITIES = ("Ashgrove", "Brightwater", "Cedarfield", "Dunmore Bay", "Elmsworth", "Fairhaven", "Glenrock")

FILLER_EN = {
    "prefix": ("Honestly, ", "To be honest, ", "Quick note: ", "For what it's worth, ", "Just saying, "),
    "connector": ("Also, ", "On top of that, ", "Another thing: ", "Oh, and "),
    "closer_pain": (
        " Please fix it.",
        " Hope this gets sorted soon.",
        " Not happy about it.",
        " Please look into this.",
    ),
    "closer_goal": (
        " Would really appreciate it.",
        " Hope you consider it.",
        " Fingers crossed for an update.",
    ),
    "closer_positive": (" Thanks!", " Keep it up.", " That's all from me."),
}
FILLER_ZH = {
    "prefix": ("说实话，", "老实讲，", "简单说两句，", "讲真，"),
    "connector": ("另外，", "还有就是，", "顺便说一句，", "再说一点，"),
    "closer_pain": ("希望尽快改进。", "麻烦重视一下。", "真的很影响体验。", "请尽快处理。"),
    "closer_goal": ("期待更新！", "希望能考虑一下。", "拜托拜托。"),
    "closer_positive": ("谢谢！", "就说这么多。", "继续加油！"),
}
P_PREFIX = 0.22
P_CONNECTOR = 0.35
P_CLOSER = 0.3
P_STATES_ROLE = 0.6
KEEP_CAPITAL = {
    "I",
    "English",
    "Spanish",
    "French",
    "Japanese",
    "Korean",
    "German",
    "Italian",
    "Chinese",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
}


class DataError(Exception):
    pass


# ----------------------------------------------------------------------------- load + validate


def en_words(text: str) -> int:
    return len(text.split())


def zh_chars(text: str) -> int:
    return len(re.sub(r"\s", "", text))


def check_sentence(where: str, lang: str, text: str) -> None:
    if text != text.strip() or "  " in text:
        raise DataError(f"{where}: stray whitespace in {text!r}")
    if text[-1] not in ".!?。！？":
        raise DataError(f"{where}: no closing punctuation in {text!r}")
    if lang == "en":
        if CJK.search(text):
            raise DataError(f"{where}: Chinese characters in an English sentence: {text!r}")
        n = en_words(text)
        if not EN_WORDS[0] <= n <= EN_WORDS[1]:
            raise DataError(f"{where}: {n} words (want {EN_WORDS}): {text!r}")
        if '"' in text:
            raise DataError(f"{where}: double quote in {text!r}")
    else:
        n = zh_chars(text)
        if not ZH_CHARS[0] <= n <= ZH_CHARS[1]:
            raise DataError(f"{where}: {n} characters (want {ZH_CHARS}): {text!r}")
        if len(CJK.findall(text)) < 0.6 * n:
            raise DataError(f"{where}: not mostly Chinese: {text!r}")
        if "," in text or ";" in text:
            raise DataError(f"{where}: ASCII punctuation in a Chinese sentence: {text!r}")


def load_domains() -> list[dict]:
    split = json.loads(SPLIT_FILE.read_text(encoding="utf-8"))["domains"]
    files = sorted(DOMAINS_DIR.glob("*.json"))
    names = [f.stem for f in files]
    if sorted(split) != names:
        raise DataError(f"domain files {names} do not match SPLIT.json {sorted(split)}")
    domains = []
    seen_text: dict[str, str] = {}
    for f in files:
        d = json.loads(f.read_text(encoding="utf-8"))
        name = d["domain"]
        if name != f.stem:
            raise DataError(f"{f.name}: domain {name!r} differs from the file name")
        if d["split"] != split[name]:
            raise DataError(f"{f.name}: split {d['split']!r} differs from SPLIT.json {split[name]!r}")
        for k in ("product_en", "product_zh"):
            if not d.get(k):
                raise DataError(f"{f.name}: missing {k}")
        roles, aspects = d["roles"], d["aspects"]
        if len(roles) != 3:
            raise DataError(f"{f.name}: {len(roles)} roles, want 3")
        if len(aspects) != 8:
            raise DataError(f"{f.name}: {len(aspects)} aspects, want 8")
        keys = [r["key"] for r in roles] + [a["key"] for a in aspects]
        if len(set(keys)) != len(keys) or "role" in keys:
            raise DataError(f"{f.name}: duplicate or reserved keys in {keys}")
        for r in roles:
            where = f"{name}.role.{r['key']}"
            for lang in LANGS:
                ops = r[f"openers_{lang}"]
                if not 4 <= len(ops) <= 6 or len(set(ops)) != len(ops):
                    raise DataError(f"{where}: want 4-6 distinct openers_{lang}")
                for op in ops:
                    if lang == "en" and not op.endswith((", ", ": ", ". ")):
                        raise DataError(f"{where}: an English opener ends with ', ', ': ' or '. ': {op!r}")
                    if lang == "zh" and not op.endswith(("，", "：", "。")):
                        raise DataError(f"{where}: a Chinese opener ends with '，', '：' or '。': {op!r}")
                sents = r[f"sentences_{lang}"]
                if len(sents) != 4:
                    raise DataError(f"{where}: want 4 sentences_{lang}")
                for s in sents:
                    check_sentence(where, lang, s)
                    if s in seen_text:
                        raise DataError(f"{where}: sentence also in {seen_text[s]}: {s!r}")
                    seen_text[s] = where
        counts = {f_: 0 for f_ in FACETS}
        for a in aspects:
            where = f"{name}.{a['key']}"
            if a["facet"] not in FACETS:
                raise DataError(f"{where}: facet {a['facet']!r} not in {FACETS}")
            counts[a["facet"]] += 1
            for k in ("label_en", "label_zh", "statement_en", "statement_zh"):
                if not a.get(k):
                    raise DataError(f"{where}: missing {k}")
            for nm in a.get("near_misses", []):
                if nm not in [x["key"] for x in aspects] or nm == a["key"]:
                    raise DataError(f"{where}: near miss {nm!r} is not another aspect of the domain")
            for lang in LANGS:
                sents = a[f"sentences_{lang}"]
                if len(sents) != 6:
                    raise DataError(f"{where}: want 6 sentences_{lang}, got {len(sents)}")
                for s in [*sents, a[f"statement_{lang}"]]:
                    check_sentence(where, lang, s)
                    if s in seen_text:
                        raise DataError(f"{where}: sentence also in {seen_text[s]}: {s!r}")
                    seen_text[s] = where
                qs = a[f"questions_{lang}"]
                if len(qs) != 3:
                    raise DataError(f"{where}: want 3 questions_{lang}")
                who, how_many, _other = qs
                if lang == "en":
                    ok = who.startswith(("Who ", "Which ")) and how_many.startswith("How many ")
                else:
                    ok = "哪些" in who and "多少" in how_many
                if not ok or len(set(qs)) != 3:
                    raise DataError(f"{where}: questions_{lang} must be [who, how many, other]: {qs}")
        if (
            counts["pain_point"] != 3
            or counts["goal"] != 2
            or not (1 <= counts["behaviour"] <= 2 and 1 <= counts["motivation"] <= 2)
        ):
            raise DataError(
                f"{f.name}: facet mix {counts}, want 3 pain_point, 2 goal, 1-2 behaviour/motivation"
            )
        domains.append(d)
    return domains


# ----------------------------------------------------------------------------- serialisation


def jsonl(rows: list[dict]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")


def pretty(obj: object) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def canonical_rows(rows: list[dict]) -> bytes:
    """The canonical form hashed in HASHES.json: rows sorted by id, sorted keys, compact, one per line."""
    rows = sorted(rows, key=lambda r: r["id"])
    return "".join(
        json.dumps(r, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n" for r in rows
    ).encode("utf-8")


def sha256(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


# ----------------------------------------------------------------------------- flat tables


def sentence_rows(domains: list[dict]) -> list[dict]:
    rows = []
    for d in domains:
        name, split = d["domain"], d["split"]
        for r in d["roles"]:
            for lang in LANGS:
                for i, s in enumerate(r[f"sentences_{lang}"], 1):
                    rows.append(
                        {
                            "id": f"{name}.role.{r['key']}.{lang}.{i}",
                            "split": split,
                            "domain": name,
                            "lang": lang,
                            "text": s,
                            "facet": ROLE_FACET,
                            "aspect": f"{name}.role.{r['key']}",
                            "role": r["key"],
                        }
                    )
        for a in d["aspects"]:
            for lang in LANGS:
                for i, s in enumerate(a[f"sentences_{lang}"], 1):
                    rows.append(
                        {
                            "id": f"{name}.{a['key']}.{lang}.{i}",
                            "split": split,
                            "domain": name,
                            "lang": lang,
                            "text": s,
                            "facet": a["facet"],
                            "aspect": f"{name}.{a['key']}",
                            "role": None,
                        }
                    )
    return rows


def aspect_rows(domains: list[dict]) -> list[dict]:
    rows = []
    for d in domains:
        for a in d["aspects"]:
            rows.append(
                {
                    "id": f"{d['domain']}.{a['key']}",
                    "split": d["split"],
                    "domain": d["domain"],
                    "key": a["key"],
                    "facet": a["facet"],
                    "label_en": a["label_en"],
                    "label_zh": a["label_zh"],
                    "statement_en": a["statement_en"],
                    "statement_zh": a["statement_zh"],
                    "near_misses": [f"{d['domain']}.{k}" for k in a.get("near_misses", [])],
                }
            )
    return rows


def question_rows(domains: list[dict]) -> list[dict]:
    rows = []
    for d in domains:
        for a in d["aspects"]:
            for lang in LANGS:
                for i, (kind, q) in enumerate(zip(QUESTION_KINDS, a[f"questions_{lang}"], strict=True), 1):
                    rows.append(
                        {
                            "id": f"{d['domain']}.{a['key']}.q.{lang}.{i}",
                            "split": d["split"],
                            "domain": d["domain"],
                            "lang": lang,
                            "kind": kind,
                            "question": q,
                            "aspect": f"{d['domain']}.{a['key']}",
                        }
                    )
    return rows


# ----------------------------------------------------------------------------- planted corpora


def lower_first(s: str) -> str:
    first = re.match(r"[A-Za-z]+", s)
    word = first.group(0) if first else ""
    if word in KEEP_CAPITAL or (len(word) > 1 and word.isupper()) or re.match(r"I\b", s):
        return s
    return s[:1].lower() + s[1:]


def attach(prefix: str, sentence: str, lang: str) -> str:
    """Join an opener, filler or connector to the sentence that follows it."""
    if lang == "en" and not prefix.rstrip().endswith((".", "!", "?")):
        return prefix + lower_first(sentence)
    return prefix + sentence


def assign_aspects(rng: random.Random, n: int, shares: dict[str, float], where: str) -> list[list[str]]:
    """Give each of n texts 1-3 aspects so that aspect a is in exactly round(share_a * n) texts.

    First each text gets a capacity (1, 2 or 3 aspects) so that the capacities add up to the number of
    aspect slots; about a third of the slots beyond one per text go to texts with three aspects. Then each
    aspect, largest first, takes the texts with the most room left (random tie-break), which fills the
    capacities exactly whenever that is possible at all.
    """
    counts = {a: round(s * n) for a, s in shares.items()}
    total = sum(counts.values())
    if not n <= total <= 3 * n or max(counts.values()) > n:
        raise DataError(f"{where}: aspect counts {counts} cannot cover {n} texts with 1-3 aspects each")
    extra = total - n
    n3 = max(extra // 6, extra - n)
    n2 = extra - 2 * n3
    caps = [3] * n3 + [2] * n2 + [1] * (n - n2 - n3)
    rng.shuffle(caps)
    sets: list[list[str]] = [[] for _ in range(n)]
    for a in sorted(counts, key=lambda k: (-counts[k], k)):
        order = sorted(
            (-(caps[i] - len(sets[i])), rng.random(), i) for i in range(n) if len(sets[i]) < caps[i]
        )
        if len(order) < counts[a]:
            raise DataError(f"{where}: no room left for {a}")
        for _, _, i in order[: counts[a]]:
            sets[i].append(a)
    if any(len(sets[i]) != caps[i] for i in range(n)):
        raise DataError(f"{where}: could not fill every text")
    return sets


def rating_for(rng: random.Random, facets: set[str]) -> int:
    positive = bool(facets & {"behaviour", "motivation"})
    if "pain_point" in facets:
        return rng.choice((2, 3, 3)) if positive else rng.choice((1, 1, 2, 2, 3))
    if "goal" in facets:
        return rng.choice((4, 4, 5)) if positive else rng.choice((3, 4, 4, 5))
    return rng.choice((4, 5, 5))


def compose(
    rng: random.Random, lang: str, role_parts: tuple[str, str] | None, sentences: list[str], facets: set[str]
) -> str:
    fill = FILLER_EN if lang == "en" else FILLER_ZH
    sep = " " if lang == "en" else ""
    parts: list[str] = []
    first = sentences[0]
    if role_parts and role_parts[0] == "opener":
        parts.append(attach(role_parts[1], first, lang))
    elif role_parts:
        parts.append(role_parts[1])
        parts.append(first)
    elif rng.random() < P_PREFIX:
        parts.append(attach(rng.choice(fill["prefix"]), first, lang))
    else:
        parts.append(first)
    connectors = rng.sample(fill["connector"], len(fill["connector"]))  # no connector twice in one text
    for s in sentences[1:]:
        if rng.random() < P_CONNECTOR:
            parts.append(attach(connectors.pop(), s, lang))
        else:
            parts.append(s)
    text = sep.join(parts)
    if rng.random() < P_CLOSER:
        kind = (
            "closer_pain"
            if "pain_point" in facets
            else "closer_goal"
            if "goal" in facets
            else "closer_positive"
        )
        text += rng.choice(fill[kind]).lstrip() if lang == "zh" else rng.choice(fill[kind])
    return text


def month_weights(trend: str) -> list[int]:
    return [1] * 9 if trend == "flat" else [2 + i for i in range(9)]


DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30)


def planted(d: dict, uid_pool: list[int]) -> tuple[bytes, bytes, bytes]:
    name = d["domain"]
    groups = PLANTED[name]
    aspects = {a["key"]: a for a in d["aspects"]}
    roles = {r["key"]: r for r in d["roles"]}
    rng = random.Random(zlib.crc32(name.encode("utf-8")))
    seen: set[str] = set()
    rows: list[dict] = []
    uid_iter = iter(uid_pool)
    for g in groups:
        where = f"{name}.{g['key']}"
        n = g["size"]
        if g["role"] is not None and g["role"] not in roles:
            raise DataError(f"{where}: unknown role {g['role']!r}")
        for a in g["aspects"]:
            if a not in aspects:
                raise DataError(f"{where}: unknown aspect {a!r}")
        if not 3 <= len(g["aspects"]) <= 5:
            raise DataError(f"{where}: want 3-5 aspects")
        sets = assign_aspects(rng, n, g["aspects"], where)
        zh_idx = set(rng.sample(range(n), round(g["zh"] * n)))
        role_idx: set[int] = set()
        if g["role"] is not None:
            role_idx = set(rng.sample(range(n), round(P_STATES_ROLE * n)))
        # users: texts of one user share group, language and city
        users: dict[int, tuple[str, str]] = {}
        for lang in LANGS:
            idx = [i for i in range(n) if (i in zh_idx) == (lang == "zh")]
            rng.shuffle(idx)
            while idx:
                k = min(len(idx), rng.choice((1, 1, 1, 1, 1, 1, 1, 2, 2, 3)))
                uid, city = f"u{next(uid_iter)}", rng.choice(CITIES)
                for i in idx[:k]:
                    users[i] = (uid, city)
                idx = idx[k:]
        weights = month_weights(g["trend"])
        for i in range(n):
            lang = "zh" if i in zh_idx else "en"
            keys = list(sets[i])
            rng.shuffle(keys)
            facets = {aspects[k]["facet"] for k in keys}
            role = roles.get(g["role"]) if g["role"] else None
            via = None
            if role is not None and i in role_idx:
                via = rng.choice(("opener", "sentence"))
            for _attempt in range(200):
                picks = [rng.randrange(6) for _ in keys]
                sents = [aspects[k][f"sentences_{lang}"][p] for k, p in zip(keys, picks, strict=True)]
                sids = [f"{name}.{k}.{lang}.{p + 1}" for k, p in zip(keys, picks, strict=True)]
                role_parts = None
                if via == "opener":
                    role_parts = ("opener", rng.choice(role[f"openers_{lang}"]))
                elif via == "sentence":
                    j = rng.randrange(4)
                    role_parts = ("sentence", role[f"sentences_{lang}"][j])
                    sids = [f"{name}.role.{role['key']}.{lang}.{j + 1}", *sids]
                text = compose(rng, lang, role_parts, sents, facets)
                if text not in seen:
                    break
            else:
                raise DataError(f"{where}: could not draw a unique text")
            seen.add(text)
            month = rng.choices(range(1, 10), weights=weights)[0]
            date = f"2026-{month:02d}-{rng.randint(1, DAYS[month - 1]):02d}"
            uid, city = users[i]
            rows.append(
                {
                    "text": text,
                    "user_id": uid,
                    "date": date,
                    "rating": rating_for(rng, facets),
                    "city": city,
                    "group": g["key"],
                    "role": g["role"],
                    "lang": lang,
                    "aspects": sorted(f"{name}.{k}" for k in keys),
                    "states_role": via is not None,
                    "role_via": via,
                    "sentence_ids": sids,
                    "_tie": rng.random(),
                }
            )
    rows.sort(key=lambda r: (r["date"], r["_tie"]))
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["id", "text", "user_id", "date", "rating", "city"])
    labels = []
    for i, r in enumerate(rows, 1):
        r["id"] = f"{name}-{i:04d}"
        w.writerow([r["id"], r["text"], r["user_id"], r["date"], r["rating"], r["city"]])
        labels.append(
            {
                k: r[k]
                for k in ("id", "group", "role", "lang", "aspects", "states_role", "role_via", "sentence_ids")
            }
        )
    truth_groups = {}
    for g in groups:
        grows = [r for r in rows if r["group"] == g["key"]]
        n = len(grows)
        lang_counts = {lang: sum(r["lang"] == lang for r in grows) for lang in LANGS}
        truth_groups[g["key"]] = {
            "size": n,
            "role": g["role"],
            "role_label_en": roles[g["role"]]["label_en"] if g["role"] else None,
            "role_label_zh": roles[g["role"]]["label_zh"] if g["role"] else None,
            "states_role_count": sum(r["states_role"] for r in grows),
            "lang_counts": lang_counts,
            "lang_shares": {k: round(v / n, 4) for k, v in lang_counts.items()},
            "trend": g["trend"],
            "by_month": {
                f"2026-{m:02d}": sum(r["date"][5:7] == f"{m:02d}" for r in grows) for m in range(1, 10)
            },
            "users": len({r["user_id"] for r in grows}),
            "aspects_per_text": {str(k): sum(len(r["aspects"]) == k for r in grows) for k in (1, 2, 3)},
            "aspects": {
                f"{name}.{k}": {
                    "facet": aspects[k]["facet"],
                    "count": (c := sum(f"{name}.{k}" in r["aspects"] for r in grows)),
                    "share": round(c / n, 4),
                    "target_share": g["aspects"][k],
                    "users": len({r["user_id"] for r in grows if f"{name}.{k}" in r["aspects"]}),
                    "by_lang": {
                        lang: sum(f"{name}.{k}" in r["aspects"] and r["lang"] == lang for r in grows)
                        for lang in LANGS
                    },
                }
                for k in sorted(g["aspects"])
            },
        }
    overall = {}
    for a in d["aspects"]:
        hit = [r for r in rows if f"{name}.{a['key']}" in r["aspects"]]
        overall[f"{name}.{a['key']}"] = {
            "facet": a["facet"],
            "count": len(hit),
            "share": round(len(hit) / len(rows), 4),
            "users": len({r["user_id"] for r in hit}),
            "groups": {g["key"]: sum(r["group"] == g["key"] for r in hit) for g in groups},
        }
    truth = {
        "domain": name,
        "split": d["split"],
        "n_texts": len(rows),
        "groups": truth_groups,
        "aspects_overall": overall,
        "n_users": len({r["user_id"] for r in rows}),
        "note": "count = texts containing the aspect, users = distinct user_ids among them; both "
        "computed from the generated rows. target_share is what the generator aimed for.",
    }
    return buf.getvalue().encode("utf-8"), jsonl(labels), pretty(truth)


# ----------------------------------------------------------------------------- build + check


def build() -> dict[str, bytes]:
    domains = load_domains()
    missing = sorted({d["domain"] for d in domains} - set(PLANTED))
    if missing:
        raise DataError(f"no planted-corpus groups for {missing}")
    out: dict[str, bytes] = {}
    sents, asps, qs = sentence_rows(domains), aspect_rows(domains), question_rows(domains)
    out["aspects/sentences.jsonl"] = jsonl(sents)
    out["aspects/aspects.jsonl"] = jsonl(asps)
    out["ask/questions.jsonl"] = jsonl(qs)
    unslotted = sorted({d["domain"] for d in domains} - set(UID_BLOCKS))
    if unslotted:
        raise DataError(f"no user-id block for {unslotted}: append them to UID_BLOCKS")
    pool = random.Random(314159).sample(range(1000, 100000), len(UID_BLOCKS) * UID_BLOCK)
    for d in domains:
        k = UID_BLOCKS.index(d["domain"])
        csv_b, labels_b, truth_b = planted(d, pool[k * UID_BLOCK : (k + 1) * UID_BLOCK])
        out[f"planted/{d['domain']}.csv"] = csv_b
        out[f"planted/{d['domain']}.labels.jsonl"] = labels_b
        out[f"planted/{d['domain']}.truth.json"] = truth_b
    test = sorted(d["domain"] for d in domains if d["split"] == "test")
    files = {}
    for name in test:
        files[f"aspects/domains/{name}.json"] = sha256((DOMAINS_DIR / f"{name}.json").read_bytes())
        for ext in ("csv", "labels.jsonl", "truth.json"):
            files[f"planted/{name}.{ext}"] = sha256(out[f"planted/{name}.{ext}"])
    out[HASHES_NAME] = pretty(
        {
            "algorithm": "sha256",
            "test_domains": test,
            "files": dict(sorted(files.items())),
            "test_rows": {
                "aspects/aspects.jsonl": sha256(canonical_rows([r for r in asps if r["split"] == "test"])),
                "aspects/sentences.jsonl": sha256(canonical_rows([r for r in sents if r["split"] == "test"])),
                "ask/questions.jsonl": sha256(canonical_rows([r for r in qs if r["split"] == "test"])),
            },
            "canonical_rows": "test rows only, sorted by id, each json.dumps(row, ensure_ascii=False, "
            "sort_keys=True, separators=(',', ':')) followed by a newline, UTF-8",
            "verify": "python evals/data/aspects/build.py --check",
        }
    )
    return out


def frozen_part(hashes: bytes) -> dict:
    h = json.loads(hashes)
    return {k: h[k] for k in ("test_domains", "files", "test_rows")}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="rebuild in memory and compare; write nothing")
    ap.add_argument("--refreeze", action="store_true", help="allow the test hashes in HASHES.json to change")
    args = ap.parse_args(argv)
    try:
        out = build()
    except DataError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    hashes_path = DATA / HASHES_NAME
    if args.check:
        bad = [p for p, b in sorted(out.items()) if not (DATA / p).is_file() or (DATA / p).read_bytes() != b]
        for p in bad:
            print(f"differs: evals/data/{p}")
        if hashes_path.is_file():
            committed = frozen_part(hashes_path.read_bytes())
            on_disk = {p: sha256((DATA / p).read_bytes()) for p in committed["files"] if (DATA / p).is_file()}
            for p, h in committed["files"].items():
                if on_disk.get(p) != h:
                    print(f"frozen file changed: evals/data/{p}")
                    bad.append(p)
            if frozen_part(out[HASHES_NAME]) != committed:
                print("the rebuilt test split does not match HASHES.json")
                bad.append(HASHES_NAME)
        print("ok: outputs and frozen test hashes match" if not bad else f"{len(bad)} problem(s)")
        return 0 if not bad else 1
    new_frozen = frozen_part(out[HASHES_NAME])
    frozen_changes = hashes_path.is_file() and frozen_part(hashes_path.read_bytes()) != new_frozen
    if frozen_changes and not args.refreeze:
        print(
            "error: this would change the frozen test split (HASHES.json); rerun with --refreeze "
            "only if that is intended",
            file=sys.stderr,
        )
        return 3
    for p, b in sorted(out.items()):
        path = DATA / p
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_bytes() != b:
            path.write_bytes(b)
    print(f"wrote {len(out)} files under evals/data")
    return 0


if __name__ == "__main__":
    sys.exit(main())
