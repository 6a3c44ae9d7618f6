import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from vectorstore.errors import InputError
from vectorstore.prepare import plan_columns
from vectorstore.readers import InputFile


def rows(path, **kw):
    f = InputFile(path, **kw)
    return f.columns, list(f.rows())


def test_csv_with_quoted_newlines_and_sniffed_semicolons(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text('id;text;stars\n1;"line one\nline two";5\n2;plain;4\n', encoding="utf-8")
    cols, rs = rows(p)
    assert cols == ["id", "text", "stars"]
    assert [r.row for r in rs] == [2, 4]  # the line each row starts on
    assert rs[0].fields["text"] == "line one\nline two"


def test_tsv_and_bom(tmp_path):
    p = tmp_path / "a.tsv"
    p.write_bytes("\ufefftext\tuser\nhello, world\tu1\n".encode())
    cols, rs = rows(p)
    assert cols == ["text", "user"]
    assert rs[0].fields == {"text": "hello, world", "user": "u1"}


def test_csv_stray_quote_costs_one_row(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text('text,n\nfine,1\n"broken start,2\nafter,3\n"quoted, ok",4\nlast,5\n',
                 encoding="utf-8")
    _, rs = rows(p)
    good = [r.fields["text"] for r in rs if r.error is None]
    bad = [(r.row, r.error) for r in rs if r.error]
    assert good == ["fine", "after", "quoted, ok", "last"]
    assert len(bad) == 1 and bad[0][0] == 3 and "quot" in bad[0][1]


def test_csv_unclosed_quote_at_end(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text('text,n\nfine,1\n"never closed,2\nnext,3\n', encoding="utf-8")
    _, rs = rows(p)
    assert [r.fields["text"] for r in rs if not r.error] == ["fine", "next"]
    assert [r.row for r in rs if r.error] == [3]


def test_csv_too_many_fields_is_a_row_error(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text("text,n\na,1\nb,2,extra\n", encoding="utf-8")
    _, rs = rows(p)
    assert rs[1].error and "3 fields" in rs[1].error and rs[1].row == 3


def test_nul_bytes_in_a_row(tmp_path):
    p = tmp_path / "a.csv"
    p.write_bytes(b"text\nhello\x00world\n")
    _, rs = rows(p)
    assert rs[0].fields["text"] == "hello\x00world"  # cleaning removes it later


@pytest.mark.parametrize("content, message", [
    (b"", "empty (0 bytes)"),
    (bytes(range(256)) * 40, "binary file"),
    ("文本,用户\n物流很快,张三\n".encode("gb18030") * 50, "not UTF-8"),
])
def test_unusable_files(tmp_path, content, message):
    p = tmp_path / "x.csv"
    p.write_bytes(content)
    with pytest.raises(InputError) as e:
        InputFile(p)
    assert message in str(e.value) and "x.csv" in str(e.value)


def test_wrong_encoding_can_be_named(tmp_path):
    p = tmp_path / "gbk.csv"
    p.write_bytes("text\n物流很快\n".encode("gb18030"))
    _, rs = rows(p, encoding="gb18030")
    assert rs[0].fields["text"] == "物流很快"


def test_one_bad_byte_is_a_row_problem_not_a_file_problem(tmp_path):
    p = tmp_path / "a.csv"
    body = "".join(f"row {i} is fine\n" for i in range(500)).encode()
    p.write_bytes(b"text\n" + body + b"bad \xff byte\n")
    _, rs = rows(p)
    assert len(rs) == 501
    assert "\udcff" in rs[-1].fields["text"]


def test_header_only_and_missing_text_column(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text("name,stars\nbob,5\n", encoding="utf-8")
    f = InputFile(p)
    with pytest.raises(InputError) as e:
        plan_columns(f.columns, str(p))
    assert "no text column" in str(e.value) and "name, stars" in str(e.value)
    with pytest.raises(InputError, match="unknown column 'body'"):
        plan_columns(f.columns, str(p), text_col="body")
    assert plan_columns(f.columns, str(p), text_col="NAME").text == "name"


def test_jsonl_rows_and_bad_lines(tmp_path):
    p = tmp_path / "a.jsonl"
    p.write_text('{"text": "a", "n": 1}\n\nnot json\n["list"]\n"just a string"\n'
                 + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    cols, rs = rows(p)
    assert "text" in cols
    assert rs[0].fields == {"text": "a", "n": 1} and rs[0].row == 1
    assert rs[1].error.startswith("invalid JSON") and rs[1].row == 3
    assert "got list" in rs[2].error
    assert rs[3].fields == {"text": "just a string"}
    assert rs[4].error  # too deep or not an object: a row error either way


def test_json_array_streams_elements(tmp_path):
    p = tmp_path / "a.json"
    items = [{"review": f"text {i}", "meta": {"nested": True}} for i in range(3000)]
    p.write_text(json.dumps(items), encoding="utf-8")
    cols, rs = rows(p)
    assert cols == ["review", "meta"]
    assert len(rs) == 3000 and rs[-1].row == 3000 and rs[-1].fields["review"] == "text 2999"


def test_json_array_truncated(tmp_path):
    p = tmp_path / "a.json"
    p.write_text('[{"text": "a"}, {"text": "b"}, {"text": "c', encoding="utf-8")
    _, rs = rows(p)
    assert [r.fields["text"] for r in rs if not r.error] == ["a", "b"]
    assert rs[-1].error and rs[-1].row == 3


def test_json_must_be_an_array(tmp_path):
    p = tmp_path / "a.json"
    p.write_text('{"text": "a"}', encoding="utf-8")
    with pytest.raises(InputError, match="array of objects"):
        InputFile(p)


def test_parquet(tmp_path):
    p = tmp_path / "a.parquet"
    pq.write_table(pa.table({"comment": ["x", "y"], "stars": [1, 2]}), p)
    cols, rs = rows(p)
    assert cols == ["comment", "stars"]
    assert [r.fields for r in rs] == [{"comment": "x", "stars": 1}, {"comment": "y", "stars": 2}]


def test_broken_parquet(tmp_path):
    p = tmp_path / "a.parquet"
    p.write_bytes(b"PAR1 not really")
    with pytest.raises(InputError, match="not a readable Parquet file"):
        InputFile(p)


def test_txt_and_directory(tmp_path):
    p = tmp_path / "a.txt"
    p.write_text("first\n\nsecond\n", encoding="utf-8")
    _, rs = rows(p)
    assert [(r.row, r.fields["text"]) for r in rs] == [(1, "first"), (3, "second")]
    d = tmp_path / "notes"
    (d / "sub").mkdir(parents=True)
    (d / "a.md").write_text("# Title\nbody", encoding="utf-8")
    (d / "sub" / "b.txt").write_text("other", encoding="utf-8")
    (d / "skip.png").write_bytes(b"\x89PNG")
    cols, rs = rows(d)
    assert cols == ["text", "file"]
    assert [r.row for r in rs] == ["a.md", "sub/b.txt"]
    assert rs[1].fields == {"text": "other", "file": "sub/b.txt"}


def test_unknown_suffix_and_missing_path(tmp_path):
    (tmp_path / "a.xlsx").write_bytes(b"x")
    with pytest.raises(InputError, match="unsupported file type"):
        InputFile(tmp_path / "a.xlsx")
    with pytest.raises(InputError, match="no such file"):
        InputFile(tmp_path / "nope.csv")


def test_reading_streams_with_bounded_memory(tmp_path):
    import subprocess
    import sys

    p = tmp_path / "big.csv"
    line = "this is a review with enough words to make the file large, truly,u1,5\n"
    with open(p, "w", encoding="utf-8") as f:
        f.write("text,user,n\n")
        for _ in range(8):
            f.write(line.replace(",u1", "").replace("truly,", "truly") * 60000)
    size_mb = p.stat().st_size / 1e6
    # VmHWM (peak resident memory) starts afresh at exec, unlike ru_maxrss.
    code = ("import re, sys\nfrom vectorstore.readers import InputFile\n"
            "n = sum(1 for _ in InputFile(sys.argv[1]).rows())\n"
            "kb = re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1)\n"
            "print(n, int(kb) // 1024)")
    out = subprocess.run([sys.executable, "-c", code, str(p)], capture_output=True, text=True,
                         check=True).stdout.split()
    rows, rss_mb = int(out[0]), int(out[1])
    assert rows == 480000 and size_mb > 30
    assert rss_mb < 100, f"reading a {size_mb:.0f} MB file used {rss_mb} MB"


@pytest.mark.parametrize("name, content, message", [
    ("h.csv", "text,user\n", "has a header but no rows"),
    ("h.tsv", "text\tuser\n\n\n", "has a header but no rows"),
    ("e.json", "[]", "empty JSON array"),
    ("e2.json", " [ \n ]\n", "empty JSON array"),
    ("e.jsonl", "\n\n  \n", "has no rows"),
    ("e.txt", "\n \n", "has no rows"),
])
def test_files_without_rows_are_input_errors(tmp_path, name, content, message):
    p = tmp_path / name
    p.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as e:
        InputFile(p)
    assert message in str(e.value) and name in str(e.value)


def test_parquet_without_rows_is_an_input_error(tmp_path):
    p = tmp_path / "e.parquet"
    pq.write_table(pa.table({"text": pa.array([], pa.string())}), p)
    with pytest.raises(InputError, match=r"e\.parquet.*has columns but no rows"):
        InputFile(p)


def test_the_first_row_is_not_lost_by_the_check_for_rows(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text("text\n\nfirst\nsecond\n", encoding="utf-8")
    _, rs = rows(p)
    assert [(r.row, r.fields["text"]) for r in rs] == [(3, "first"), (4, "second")]


@pytest.mark.parametrize("columns, text, user", [
    (["date", "customer", "city", "rating", "feedback"], "feedback", "customer"),
    (["comment_id", "reviewer_name", "review_text"], "review_text", "reviewer_name"),
    (["comment_id", "member_id", "comments"], "comments", "member_id"),
    (["id", "account", "remarks"], "remarks", "account"),
    (["nickname", "opinion"], "opinion", "nickname"),
    (["customer_name", "description"], "description", "customer_name"),
    (["question", "answer"], "answer", None),
    (["日期", "用户名", "评论"], "评论", "用户名"),
    (["昵称", "留言"], "留言", "昵称"),
    (["会员", "反馈"], "反馈", "会员"),
    (["客户", "评价"], "评价", "客户"),
    (["用户id", "意见", "备注"], "意见", "用户id"),
    (["用户", "内容"], "内容", "用户"),
    (["survey_response", "account_id"], "survey_response", "account_id"),
    (["message_id", "customer_message"], "customer_message", None),
])
def test_common_text_and_user_column_names(columns, text, user):
    plan = plan_columns(columns, "x.csv")
    assert (plan.text, plan.user) == (text, user)
