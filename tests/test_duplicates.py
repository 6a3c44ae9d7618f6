"""The constant-size duplicate bookkeeping (vectorstore/duplicates.py)."""

from vectorstore.duplicates import MAX_SOURCES, Tally, entries, merge, packed_values, source_tag


def test_old_dup_keys_lists_are_converted():
    keys = ["a.csv|h|0", "a.csv|h|1", "b.csv|h|0"]
    ents = entries({"dup_keys": keys, "dup_count": 3}, "a.csv")
    assert {k: v[0] for k, v in ents.items()} == {source_tag("a.csv"): 2, source_tag("b.csv"): 1}
    assert packed_values(ents)["dup_count"] == 3
    ids = entries({"dup_keys": ["id:1", "id:2"]}, "x.csv")
    assert list(ids) == [source_tag("x.csv")] and ids[source_tag("x.csv")][0] == 2


def test_digest_ignores_order_and_merge_never_forgets_without_sync():
    a, b = Tally(), Tally()
    for k in ("id:1", "id:2", "id:3"):
        a.add(k)
    for k in ("id:3", "id:1", "id:2"):
        b.add(k)
    assert a.entry() == b.entry()
    fewer = [2, "0" * 12]
    assert merge(a.entry(), fewer, replace=False) == a.entry()
    assert merge(a.entry(), fewer, replace=True) == fewer


def test_same_rows_in_two_sources_count_once_and_space_is_bounded():
    t = Tally()
    t.add("id:7")
    assert packed_values({"s1": t.entry(), "s2": t.entry()})["dup_count"] == 1
    many = {f"{i:08x}": [1, f"{i:012x}"] for i in range(MAX_SOURCES + 20)}
    packed = packed_values(many)
    assert len(packed["dups"]) == MAX_SOURCES and packed["dup_more"] == 20
    assert packed["dup_count"] == MAX_SOURCES + 20
