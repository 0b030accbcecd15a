"""Duplicates: extraction noise is the same version; a changed word, number or clause is not."""

from __future__ import annotations

import re
from pathlib import Path

from reconcile.dedup import DuplicateIndex, find_duplicates, signature
from warehouse.copies import Copy, compare_copies, content_key

CORPUS = Path(__file__).resolve().parent.parent / "replica" / "corpus"
ORDER_130_TITLE = "宁夏回族自治区实施《残疾预防和残疾人康复条例》办法"


def corpus_lines(relative: str, first: int, last: int) -> str:
    """Lines first..last (1-based, inclusive) of a sample-corpus file."""
    return "\n".join((CORPUS / relative).read_text(encoding="utf-8").splitlines()[first - 1 : last])


def order_130_revised() -> str:
    """令第130号 as revised in the constructed issue 2024 No. 3 (changes: replica/corpus/README.md)."""
    return corpus_lines("constructed/nx-2024-03.txt", 121, 271)


ORIGINAL = corpus_lines("seeds/004_e3e902c520636e6f.txt", 121, 273)  # 令第130号 in 2024 No. 2


def rewrap(text: str, width: int) -> str:
    """The same text with lines broken every `width` characters, as a narrow PDF column does."""
    flat = text.replace("\n", "")
    return "\n".join(flat[i : i + width] for i in range(0, len(flat), width))


def test_line_breaks_spaces_bracket_widths_and_page_furniture_are_noise() -> None:
    noisy = rewrap(ORIGINAL, 23)
    noisy = re.sub(r"(\d)(年|月|日|号)", r"\1 \2", noisy)  # 2024 年 2 月
    noisy = noisy.replace("（", "(").replace("）", ")")
    lines = noisy.splitlines()
    lines[40:40] = ["— 12 —", "宁夏回族自治区人民政府公报"]  # a page break that slipped through
    noisy = "\n".join(lines)

    verdict = compare_copies(Copy(ORIGINAL), Copy(noisy))

    assert verdict.same, verdict
    assert content_key(ORIGINAL) == content_key(noisy)


def test_a_web_article_that_repeats_the_title_above_the_body_is_the_same_version() -> None:
    article = ORDER_130_TITLE + "\n" + ORIGINAL
    assert compare_copies(Copy(ORIGINAL, ORDER_130_TITLE), Copy(article, ORDER_130_TITLE)).same


def test_a_changed_number_date_or_word_is_a_real_difference() -> None:
    for old, new in [
        ("强化0至6周岁", "强化0至14周岁"),  # a number
        ("自2024年2月1日起施行", "自2024年4月1日起施行"),  # a date
        ("残疾预防工作应当覆盖", "残疾预防工作可以覆盖"),  # a word
    ]:
        edited = ORIGINAL.replace(old, new, 1)
        assert edited != ORIGINAL
        verdict = compare_copies(Copy(ORIGINAL), Copy(rewrap(edited, 31)))
        assert not verdict.same, (old, new)


def test_the_constructed_revision_is_not_a_duplicate_of_its_base() -> None:
    verdict = compare_copies(Copy(ORIGINAL), Copy(order_130_revised()))
    assert not verdict.same
    assert verdict.similarity > 0.95  # a revision, close to the base: exactly what MinHash alone would miss


def test_a_scanned_page_missing_from_one_copy_is_noise_only_when_that_copy_has_a_gap() -> None:
    paragraphs = ORIGINAL.splitlines()
    missing = "\n".join(paragraphs[:60] + paragraphs[66:])  # one page's worth of text not extracted
    assert len(ORIGINAL) - len(missing) > 200

    assert compare_copies(Copy(missing, has_gap=True), Copy(ORIGINAL)).same
    assert compare_copies(Copy(ORIGINAL), Copy(missing, has_gap=True)).same
    # Without a page that has no text layer, missing paragraphs are a real removal.
    assert not compare_copies(Copy(missing), Copy(ORIGINAL)).same


def test_a_sentence_added_is_a_revision_even_where_the_old_copy_has_a_gap() -> None:
    added = ORIGINAL.replace(
        "建立补贴标准动态调整机制。", "建立补贴标准动态调整机制。补贴标准原则上每两年评估调整一次。"
    )
    assert not compare_copies(Copy(ORIGINAL, has_gap=True), Copy(added)).same


def test_a_page_read_by_ocr_never_makes_a_version_but_a_change_elsewhere_does() -> None:
    paragraphs = ORIGINAL.splitlines()
    page = "\n".join(paragraphs[60:66])
    # what tesseract made of that page: quotes and brackets misread, one character lost
    misread = page.replace("。", "o", 2).replace("残疾", "残痪", 1).replace("（", "(")[:-3] + "丨"
    ocr_copy = "\n".join([*paragraphs[:60], misread, *paragraphs[66:]])
    assert not compare_copies(Copy(ORIGINAL), Copy(ocr_copy)).same  # read as text, OCR noise is a change

    assert compare_copies(Copy(ORIGINAL), Copy(ocr_copy, has_gap=True, ocr_text=(misread,))).same
    assert compare_copies(Copy(ocr_copy, has_gap=True, ocr_text=(misread,)), Copy(ORIGINAL)).same
    revised = ORIGINAL.replace("建立补贴标准动态调整机制。", "建立补贴标准动态调整机制。每两年评估调整一次。")
    assert not compare_copies(Copy(ocr_copy, has_gap=True, ocr_text=(misread,)), Copy(revised)).same


def test_minhash_sees_noisy_copies_as_near_identical() -> None:
    a = Copy(ORIGINAL).body
    b = Copy(rewrap(ORIGINAL, 17)).body
    assert signature(a).jaccard(signature(b)) == 1.0


def test_the_index_groups_copies_and_keeps_templated_siblings_apart() -> None:
    template = (
        "自治区人民政府办公厅关于印发全区{y}年政务公开工作要点的通知\n各市、县（区）人民政府：\n"
        + (
            "现将《全区{y}年政务公开工作要点》印发给你们，请认真贯彻落实。\n一、加强政策解读，{y}年底前完成{n}项。\n"
            "二、深化基层政务公开标准化规范化建设。\n三、做好政府信息依申请公开工作，答复率达到{p}%。\n"
        )
        * 3
    )
    docs = [
        ("plan-2023", Copy(template.format(y=2023, n=12, p=95))),
        ("plan-2024", Copy(template.format(y=2024, n=15, p=98))),
        ("plan-2023-web", Copy(rewrap(template.format(y=2023, n=12, p=95), 19))),
        ("order-130", Copy(ORIGINAL)),
        ("order-130-pdf", Copy(rewrap(ORIGINAL, 27))),
        ("order-130-revised", Copy(order_130_revised())),
    ]
    found = {(d.key, d.duplicate_of) for d in find_duplicates(docs)}
    assert found == {("plan-2023-web", "plan-2023"), ("order-130-pdf", "order-130")}


def test_an_exact_copy_is_found_without_verifying_text() -> None:
    index = DuplicateIndex()
    assert index.add("a", Copy(ORIGINAL)) is None
    match = index.add("b", Copy(ORIGINAL.replace("\n", "\n\n")))
    assert match is not None and match.method == "exact" and match.duplicate_of == "a"
    assert len(index) == 1
