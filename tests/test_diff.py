"""Diffs a reader can use: by article, item and paragraph; moves as moves; noise as nothing."""

from __future__ import annotations

from pathlib import Path

from reconcile.blocks import split_blocks
from reconcile.diff import diff_texts, inline_diff
from reconcile.render_diff import DiffHeader, render_html, render_text

CORPUS = Path(__file__).resolve().parent.parent / "replica" / "corpus"


def corpus_lines(relative: str, first: int, last: int) -> str:
    return "\n".join((CORPUS / relative).read_text(encoding="utf-8").splitlines()[first - 1 : last])


ORIGINAL = corpus_lines("seeds/004_e3e902c520636e6f.txt", 121, 273)  # 令第130号, 2024 No. 2
REVISED = corpus_lines("constructed/nx-2024-03.txt", 121, 271)  # the constructed revision, 2024 No. 3


def test_the_constructed_revision_reports_exactly_the_five_changes_of_the_corpus_readme() -> None:
    diff = diff_texts(ORIGINAL, REVISED)

    changes = [(h.kind, h.locator) for h in diff.changes]
    assert changes == [
        ("changed", "第3段"),  # the promulgation paragraph: 自2024年2月1日 → 4月1日起施行
        ("changed", "第九条（二）"),  # 0至6周岁 → 0至14周岁
        ("changed", "第二十七条第2款"),  # a sentence added
        ("removed", "第三十条第2款"),  # a paragraph removed
        ("changed", "第三十五条"),  # 本办法自2024年4月1日起施行
    ]
    by_locator = {h.locator: h for h in diff.changes}
    old_spans, new_spans = inline_diff(
        by_locator["第九条（二）"].old_text, by_locator["第九条（二）"].new_text
    )
    assert [s.text for s in old_spans if s.tag == "delete"] == ["6"]
    assert [s.text for s in new_spans if s.tag == "insert"] == ["14"]
    assert "补贴标准原则上每两年评估调整一次" in by_locator["第二十七条第2款"].new_text
    assert by_locator["第三十条第2款"].old_text.startswith("自治区残联应当及时汇总")


def test_extraction_noise_alone_gives_no_change() -> None:
    flat = ORIGINAL.replace("\n", "")
    rewrapped = "\n".join(flat[i : i + 29] for i in range(0, len(flat), 29))
    # Rewrapping loses paragraph ends; articles and items still start blocks, the rest is re-cut alike.
    noisy = ORIGINAL.replace("（", "(").replace("）", ")").replace("2024年", "2024 年")
    assert diff_texts(ORIGINAL, noisy).changes == ()
    assert diff_texts(ORIGINAL, rewrapped).similarity == 1.0


def test_a_moved_article_is_a_move_not_a_removal_and_an_addition() -> None:
    articles = [
        "第一条 甲乙丙丁戊己庚辛。",
        "第二条 子丑寅卯辰巳午未。",
        "第三条 金木水火土日月星。",
        "第四条 春夏秋冬。",
    ]
    text = "\n".join(articles)
    moved = "\n".join([articles[0], articles[2], articles[3], articles[1]])
    kinds = [(h.kind, h.locator) for h in diff_texts(text, moved).changes]
    assert kinds == [("moved", "第二条")]


def test_blocks_carry_the_locators_a_reader_cites() -> None:
    text = (
        "关于印发工作要点的通知\n各市、县（区）人民政府：\n一、总体要求\n（一）指导思想。坚持问题导向，\n"
        "推进改革。\n1.明确责任。\n（1）县级部门牵头。\n二、保障措施\n第五条 本办法自印发之日起施行。\n"
        "有效期五年。"
    )
    locators = [b.locator for b in split_blocks(text)]
    assert locators == [
        "第1段",
        "第2段",
        "一",
        "一（一）",
        "一（一）1",
        "一（一）1（1）",
        "二",
        "第五条",
        "第五条第2款",
    ]
    # the item broken over two lines is one block
    assert split_blocks(text)[3].text == "（一）指导思想。坚持问题导向，推进改革。"


def test_html_is_side_by_side_and_escapes_document_text() -> None:
    diff = diff_texts(
        "第一条 原文<b>不变</b>。\n第二条 期限为6个月。",
        "第一条 原文<b>不变</b>。\n第二条 期限为<script>12</script>个月。",
    )
    page = render_html(DiffHeader("测试<文件>", "第1版", "第2版", diff.similarity), diff.hunks)
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "测试&lt;文件&gt;" in page
    assert "<th>位置</th>" in page and "原文（第1版）" in page and "修改后（第2版）" in page
    assert '<del class="d">6</del>' in page
    assert "第一条" not in page.split("<tbody>")[1]  # unchanged blocks are left out by default


def test_text_rendering_marks_removed_and_added_characters() -> None:
    diff = diff_texts("第二条 期限为6个月。", "第二条 期限为12个月。")
    text = render_text(DiffHeader("文件", "第1版", "第2版"), diff.hunks)
    assert "@@ 第二条 · changed 修改" in text
    assert "[-6-]" in text and "{+12+}" in text
    assert "no change" in render_text(
        DiffHeader("文件", "第1版", "第2版"), diff_texts("第二条 甲。", "第二条  甲 。").hunks
    )


def test_removing_a_marker_only_line_does_not_glue_the_next_paragraph_to_the_heading() -> None:
    # 四、实施步骤 has a 、 so it is no heading to the splitter; with （一） gone, the
    # marker-less paragraph after it joins it in the new text. Only （一） was edited.
    old = "三、工作要求\n加强组织领导。\n四、实施步骤\n（一）\n前期准备。扎实做好前期各项准备工作。\n五、附则"
    new = "三、工作要求\n加强组织领导。\n四、实施步骤\n前期准备。扎实做好前期各项准备工作。\n五、附则"
    changes = [(h.kind, h.old_position, h.old_text) for h in diff_texts(old, new).changes]
    assert changes == [("removed", 2, "（一）")]


def test_a_moved_heading_glued_to_its_new_neighbour_is_a_move_and_the_neighbour_is_unchanged() -> None:
    heading = "三、保障民营市场主体平等参与市场竞争"
    first, second, third, item = (
        "坚持问题导向，推进改革。",
        "进一步优化民营企业一般注销登记程序，完善企业注销网上服务专区。",
        "落实公平竞争审查制度，清理妨碍统一市场的规定。",
        "（一）开展反垄断执法，维护市场秩序。",
    )
    old = "\n".join([first, second, third, heading, item])
    # the heading moved up, in front of a paragraph without a marker: in the new text they are one block
    new = "\n".join([first, heading, second, third, item])
    assert len(split_blocks(new)) == len(split_blocks(old)) - 1  # the glue the diff must undo
    changes = [(h.kind, h.old_position, h.old_text) for h in diff_texts(old, new).changes]
    assert changes == [("moved", 3, heading)]


def test_an_alignment_that_slides_across_a_boundary_cuts_nothing() -> None:
    # 第一条…第 / 二条… : the character alignment may match the 第 of the next article;
    # no block may be cut one character off its real boundary.
    old = "第一条 甲乙丙丁。\n第二条 子丑寅卯。\n第三条 金木水火。"
    new = "第一条 甲乙丙丁。\n第三条 金木水火。"
    changes = [(h.kind, h.locator, h.old_text) for h in diff_texts(old, new).changes]
    assert changes == [("removed", "第二条", "第二条子丑寅卯。")]
