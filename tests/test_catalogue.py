"""The sample corpus catalogue is the extraction ground truth: these tests hold it to the texts.

Every field of replica/corpus/catalogue.yaml was read off the seed texts by hand; the checks below make
sure each claim is visible in the lines it points at (titles, numbers, dates, printed pages), that
ranges neither overlap nor leave their file, and that the constructed state-1 issue contains exactly
the four planned evolutions of issue 2 (republished, revised, repeals, correction).
"""

from __future__ import annotations

import datetime as dt
import difflib
import itertools
import re
from pathlib import Path

import pytest

from replica.catalogue import (
    CASES,
    CORPUS_DIR,
    Catalogue,
    CatalogueDocument,
    CatalogueError,
    Publication,
    document_lines,
    document_text,
    load_catalogue,
    read_lines,
)

BRACKETS = str.maketrans({"[": "〔", "]": "〕", "［": "〔", "］": "〕", "(": "（", ")": "）"})


def normalize(text: str) -> str:
    """What a reader sees regardless of the dump's noise: no whitespace, one width of brackets."""
    return re.sub(r"\s+", "", text).translate(BRACKETS)


def chinese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


def all_documents(catalogue: Catalogue) -> list[tuple[Publication, CatalogueDocument]]:
    return [(pub, doc) for pub in catalogue for doc in pub.documents]


def find_document(catalogue: Catalogue, doc_number: str, state: int) -> tuple[Publication, CatalogueDocument]:
    matches = [
        (pub, doc)
        for pub, doc in all_documents(catalogue)
        if doc.doc_number == doc_number and pub.state == state
    ]
    assert len(matches) == 1, f"{doc_number} in state {state}: {len(matches)} matches"
    return matches[0]


# --- the catalogue as a whole ---------------------------------------------------------------------


def test_every_publication_reads_a_text_inside_the_project_corpus(catalogue: Catalogue) -> None:
    assert [pub.id for pub in catalogue] == [
        "nx-2024-02",
        "nx-2020-11",
        "guide-2023-ningxia",
        "pengyang-2020-yingshang",
        "nx-2024-03",
    ]
    for pub in catalogue:
        assert pub.text_path.is_absolute()
        assert pub.text_path.is_file(), pub.text_path
        assert pub.text_path.is_relative_to(CORPUS_DIR), "the project must never read ../shared at run time"


def test_seeds_are_state_0_and_one_constructed_issue_is_state_1(catalogue: Catalogue) -> None:
    assert {pub.state for pub in catalogue} == {0, 1}
    assert catalogue.max_state == 1
    for pub in catalogue:
        assert pub.constructed == (pub.state == 1), pub.id
        assert pub.text_path.parent.name == ("constructed" if pub.constructed else "seeds")
    gazette_state_1 = [pub for pub in catalogue.added_in_state(1) if pub.source == "ningxia-gazette"]
    assert [pub.id for pub in gazette_state_1] == ["nx-2024-03"]
    assert len(catalogue.in_state(0)) == 4
    assert len(catalogue.in_state(1)) == 5


def test_the_gazette_issues_carry_their_issue_data(catalogue: Catalogue) -> None:
    issue = catalogue.publication("nx-2024-02")
    assert (issue.year, issue.number, issue.total_number) == (2024, 2, 731)
    assert issue.published == dt.date(2024, 1, 31)
    nxt = catalogue.publication("nx-2024-03")
    assert (nxt.year, nxt.number, nxt.total_number) == (2024, 3, 732)
    assert nxt.published == dt.date(2024, 2, 15)
    compilation = catalogue.publication("guide-2023-ningxia")
    assert (compilation.kind, compilation.layout, compilation.first_printed_page) == (
        "compilation",
        "single_column",
        1558,
    )
    article = catalogue.publication("pengyang-2020-yingshang")
    assert (article.kind, article.layout, article.source) == ("article", "html_only", "pengyang-county")
    assert all(doc.html for doc in article.documents)


def test_the_issue_data_is_printed_in_the_masthead(catalogue: Catalogue) -> None:
    for pub_id in ("nx-2024-02", "nx-2024-03"):
        pub = catalogue.publication(pub_id)
        first, last = pub.front_matter or (0, 0)
        masthead = normalize("".join(pub.text_lines()[first - 1 : last]))
        assert f"{pub.year}年第{pub.number}期" in masthead
        assert f"总第{pub.total_number}期" in masthead
        assert f"{chinese_date(pub.published)}出版" in masthead


def test_a_publication_was_published_after_every_document_in_it_was_written(catalogue: Catalogue) -> None:
    for pub, doc in all_documents(catalogue):
        assert doc.issued_date is not None, doc.title
        assert doc.issued_date <= pub.published, f"{pub.id}: {doc.title}"


# --- line ranges ------------------------------------------------------------------------------------


def test_line_ranges_stay_inside_their_file_and_never_overlap(catalogue: Catalogue) -> None:
    for pub in catalogue:
        total = len(pub.text_lines())
        ranges = [doc.lines for doc in pub.documents]
        if pub.front_matter:
            ranges.append(pub.front_matter)
        ranges.sort()
        for first, last in ranges:
            assert 1 <= first <= last <= total, f"{pub.id}: {first}-{last} outside 1-{total}"
        for (_, previous_last), (first, _) in itertools.pairwise(ranges):
            assert previous_last < first, f"{pub.id}: ranges overlap at line {first}"


def test_documents_are_listed_in_reading_order(catalogue: Catalogue) -> None:
    for pub in catalogue:
        starts = [doc.lines[0] for doc in pub.documents]
        assert starts == sorted(starts), pub.id


def test_ranges_start_and_end_on_text_not_on_blank_lines(catalogue: Catalogue) -> None:
    for pub, doc in all_documents(catalogue):
        lines = document_lines(pub, doc)
        assert lines[0].strip() and lines[-1].strip(), f"{pub.id}: {doc.title}"


def test_the_image_only_block_lies_inside_a_document(catalogue: Catalogue) -> None:
    issue = catalogue.publication("nx-2024-02")
    assert issue.image_only_lines == (386, 392)
    first, last = issue.image_only_lines
    holders = [doc for doc in issue.documents if doc.lines[0] <= first and last <= doc.lines[1]]
    assert [doc.doc_number for doc in holders] == ["宁政办发〔2023〕50号"]
    block = issue.text_lines()[first - 1 : last]
    assert block[0].startswith("主要任务"), "the block starts at a header row of the 主要任务清单 table"


def test_lines_are_numbered_as_sed_numbers_them(tmp_path: Path) -> None:
    text = tmp_path / "t.txt"
    text.write_text("第一行\n\n第三行\n", encoding="utf-8")
    assert read_lines(text) == ["第一行", "", "第三行"]
    text.write_text("第一行\r\n第二行", encoding="utf-8")
    assert read_lines(text) == ["第一行", "第二行"]


# --- each document's fields are visible in its lines -----------------------------------------------


def test_each_title_and_doc_number_appear_in_the_documents_lines(catalogue: Catalogue) -> None:
    for pub, doc in all_documents(catalogue):
        text = normalize(document_text(pub, doc))
        assert normalize(doc.title) in text, f"{pub.id}: title {doc.title}"
        if doc.doc_number is not None:
            assert doc.doc_number == normalize(doc.doc_number), "doc numbers are stored normalized"
            assert doc.doc_number in text, f"{pub.id}: {doc.doc_number}"


def test_doc_numbers_are_normalized_to_tortoise_shell_brackets(catalogue: Catalogue) -> None:
    pattern = re.compile(r"^(\S+〔\d{4}〕\d+号|宁夏回族自治区人民政府令第\d+号)$")
    for _, doc in all_documents(catalogue):
        if doc.doc_number is not None:
            assert pattern.match(doc.doc_number), doc.doc_number


def test_issuer_and_dates_are_written_in_the_text(catalogue: Catalogue) -> None:
    for pub, doc in all_documents(catalogue):
        text = normalize(document_text(pub, doc))
        where = f"{pub.id}: {doc.title}"
        assert doc.issuer and doc.issuer in text, where
        for day in (doc.issued_date, doc.effective_date, doc.expiry_date):
            if day is not None:
                assert chinese_date(day) in text, f"{where}: {day}"
        if doc.effective_date and doc.expiry_date:
            assert doc.effective_date < doc.expiry_date, where


def test_effective_and_expiry_dates_follow_the_validity_clauses() -> None:
    catalogue = load_catalogue()
    validity = {
        (pub.id, doc.doc_number or doc.title): (doc.effective_date, doc.expiry_date)
        for pub, doc in all_documents(catalogue)
        if doc.effective_date or doc.expiry_date
    }
    assert validity == {
        ("nx-2024-02", "宁夏回族自治区人民政府令第130号"): (dt.date(2024, 2, 1), None),
        ("nx-2024-02", "宁政办规发〔2023〕13号"): (dt.date(2024, 1, 20), None),
        (
            "pengyang-2020-yingshang",
            "彭阳县人民政府办公室关于印发《彭阳县落实自治区固原市持续优化营商环境相关措施细化责任分工方案》的通知",
        ): (dt.date(2020, 8, 31), dt.date(2025, 6, 17)),
        ("nx-2024-03", "宁夏回族自治区人民政府令第130号"): (dt.date(2024, 4, 1), None),
        ("nx-2024-03", "宁政规发〔2024〕1号"): (dt.date(2024, 3, 1), dt.date(2029, 2, 28)),
    }


def test_doc_type_is_the_word_the_title_ends_with_except_for_orders(catalogue: Catalogue) -> None:
    for pub, doc in all_documents(catalogue):
        if doc.doc_type == "令":
            assert document_lines(pub, doc)[0].strip().endswith("人民政府令"), doc.title
            assert doc.title.endswith("办法"), "an order is catalogued under the 办法 it promulgates"
        else:
            assert doc.doc_type and doc.title.endswith(doc.doc_type), doc.title


def test_every_seed_document_is_counted(catalogue: Catalogue) -> None:
    counts = {pub.id: len(pub.documents) for pub in catalogue}
    assert counts == {
        "nx-2024-02": 4,
        "nx-2020-11": 3,
        "guide-2023-ningxia": 6,
        "pengyang-2020-yingshang": 1,
        "nx-2024-03": 4,
    }


def test_compilation_entries_start_with_their_number_and_date(catalogue: Catalogue) -> None:
    pub = catalogue.publication("guide-2023-ningxia")
    for number, doc in enumerate(pub.documents, start=1):
        heading = normalize("".join(document_lines(pub, doc)[:3]))
        assert heading.startswith(f"{number}.{normalize(doc.title)}（"), heading


def test_compilation_pages_come_from_the_page_markers(catalogue: Catalogue) -> None:
    pub = catalogue.publication("guide-2023-ningxia")
    lines = pub.text_lines()

    def page_of(line_number: int) -> int:
        for index in range(line_number - 1, -1, -1):
            marker = re.match(r"# Page (\d+):", lines[index])
            if marker:
                return int(marker.group(1))
        raise AssertionError(f"no page marker before line {line_number}")

    for doc in pub.documents:
        assert doc.start_page == page_of(doc.lines[0]), doc.title
        assert doc.end_page is not None and doc.end_page >= page_of(doc.lines[1]), doc.title
    image_only = [doc.end_page for doc in pub.documents if doc.end_page == 1565]
    assert image_only == [1565], "page 1565 (no text) is the attachment of entry 2"


def test_start_pages_of_issues_are_the_pages_their_table_of_contents_prints(catalogue: Catalogue) -> None:
    for pub in catalogue:
        if pub.kind != "gazette_issue" or pub.front_matter is None:
            continue
        first, last = pub.front_matter
        contents = normalize("".join(pub.text_lines()[first - 1 : last]))
        for doc in pub.documents:
            if doc.start_page is None:
                continue
            entry = re.search(re.escape(f"{doc.doc_number}）") + r"…*（(\d+)）", contents)
            assert entry, f"{pub.id}: {doc.doc_number} not in the 目录"
            assert int(entry.group(1)) == doc.start_page, f"{pub.id}: {doc.doc_number}"


# --- the constructed state-1 issue (issue 2, item 4) -----------------------------------------------


def constructed_cases(catalogue: Catalogue) -> dict[str, CatalogueDocument]:
    pub = catalogue.publication("nx-2024-03")
    return {doc.case: doc for doc in pub.documents if doc.case}


def test_the_state_1_issue_holds_exactly_the_four_planned_cases(catalogue: Catalogue) -> None:
    pub = catalogue.publication("nx-2024-03")
    assert sorted(doc.case for doc in pub.documents) == sorted(CASES)
    assert all(doc.target for doc in pub.documents)
    for _, doc in all_documents(catalogue):
        if doc.case is not None:
            assert doc in pub.documents, "only constructed documents carry a case"


def test_constructed_documents_have_the_length_of_real_ones(catalogue: Catalogue) -> None:
    pub = catalogue.publication("nx-2024-03")
    for doc in pub.documents:
        assert 1500 <= len(document_text(pub, doc)) <= 6000, doc.title


def test_the_republished_document_is_a_verbatim_copy(catalogue: Catalogue) -> None:
    new = constructed_cases(catalogue)["republished"]
    earlier_pub, earlier = find_document(catalogue, new.target or "", state=0)
    assert earlier_pub.id == "nx-2024-02"
    assert document_lines(catalogue.publication("nx-2024-03"), new) == document_lines(earlier_pub, earlier)
    assert (new.title, new.doc_number, new.issued_date) == (
        earlier.title,
        earlier.doc_number,
        earlier.issued_date,
    )


# The exact revision, as README.md lists it: (original line, revised line); None = line removed.
REVISION = [
    ("自 2024 年 2 月 1 日起施行", "自 2024 年 4 月 1 日起施行"),
    ("0至6周岁儿童健康管理", "0至14周岁儿童健康管理"),
    (
        "建立补贴标准动态调整机制。",
        "建立补贴标准动态调整机制。补贴标准原则上每两年评估调整一次，调整结果向社会公布。",
    ),
    ("自治区残联应当及时汇总、发布定点康复机构信息，为残疾人接受康复服务提供便利。", None),
    ("第三十五条 本办法自2024年2月1日起施行。", "第三十五条 本办法自2024年4月1日起施行。"),
]


def test_the_revised_document_changes_exactly_the_listed_clauses(catalogue: Catalogue) -> None:
    new = constructed_cases(catalogue)["revised"]
    earlier_pub, earlier = find_document(catalogue, new.target or "", state=0)
    assert (new.title, new.doc_number, new.issuer, new.issued_date) == (
        earlier.title,
        earlier.doc_number,
        earlier.issuer,
        earlier.issued_date,
    )
    old_lines = [line for line in document_lines(earlier_pub, earlier) if line.strip()]
    new_lines = [line for line in document_lines(catalogue.publication("nx-2024-03"), new) if line.strip()]
    changes: list[tuple[str, str | None]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(
        a=old_lines, b=new_lines, autojunk=False
    ).get_opcodes():
        if tag == "replace":
            assert i2 - i1 == j2 - j1 == 1, "each revised clause is one paragraph"
            changes.append((old_lines[i1], new_lines[j1]))
        elif tag == "delete":
            changes.extend((line, None) for line in old_lines[i1:i2])
        elif tag == "insert":
            raise AssertionError(f"unexpected new paragraph: {new_lines[j1]}")
    assert len(changes) == len(REVISION)
    for (old, new_line), (old_part, new_part) in zip(changes, REVISION, strict=True):
        assert old_part in old
        if new_part is None:
            assert new_line is None
        else:
            assert new_line == old.replace(old_part, new_part)


def test_the_revised_document_is_listed_change_by_change_in_the_readme() -> None:
    readme = normalize((CORPUS_DIR / "README.md").read_text(encoding="utf-8"))
    for old, new in REVISION:
        assert normalize(old) in readme
        if new is not None:
            assert normalize(new) in readme


def test_the_repealing_document_names_the_2020_measures_it_repeals(catalogue: Catalogue) -> None:
    new = constructed_cases(catalogue)["repeals"]
    assert new.target == "宁政规发〔2020〕5号"
    repealed_pub, repealed = find_document(catalogue, new.target, state=0)
    assert repealed_pub.id == "nx-2020-11"
    text = normalize(document_text(catalogue.publication("nx-2024-03"), new))
    assert f"《{normalize(repealed.title)}》（{new.target}）同时废止" in text
    assert "自2024年3月1日起施行" in text and "有效期至2029年2月28日" in text
    assert new.doc_number != repealed.doc_number


def test_the_correction_notice_corrects_a_document_of_2024_no_2(catalogue: Catalogue) -> None:
    new = constructed_cases(catalogue)["correction"]
    corrected_pub, corrected = find_document(catalogue, new.target or "", state=0)
    assert corrected_pub.id == "nx-2024-02"
    correction_text = document_text(catalogue.publication("nx-2024-03"), new)
    assert new.title.endswith("更正") and "特此更正" in correction_text
    assert "2024年第2期（总第731期）" in correction_text
    corrected_text = normalize(document_text(corrected_pub, corrected))
    items = re.findall(r"^[一二三四五六七八九十]+、", correction_text, flags=re.MULTILINE)
    assert len(items) == 9
    quoted = re.findall(r"中“(.+?)”，(?:相应)?更正为“", correction_text)
    assert len(quoted) == 11
    for original in quoted:
        assert normalize(original) in corrected_text, original


# --- the loader refuses a broken catalogue with a one-line message ---------------------------------


MINIMAL = """
publications:
  - id: p1
    kind: article
    source: s
    title: t
    published: 2024-01-01
    state: 0
    text: doc.txt
    layout: html_only
    documents:
      - lines: [1, 2]
        title: 关于测试的通知
        doc_number: null
        issuer: 某单位
        doc_type: 通知
        issued_date: {issued}
"""


def write_catalogue(tmp_path: Path, body: str) -> Path:
    (tmp_path / "doc.txt").write_text("关于测试的通知\n某单位\n", encoding="utf-8")
    path = tmp_path / "catalogue.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def test_a_minimal_catalogue_loads_with_defaults(tmp_path: Path) -> None:
    catalogue = load_catalogue(write_catalogue(tmp_path, MINIMAL.format(issued="2024-01-01")))
    pub = catalogue.publication("p1")
    assert pub.text_path == tmp_path / "doc.txt"
    assert (pub.first_printed_page, pub.front_matter, pub.constructed) == (1, None, False)
    assert pub.documents[0].html is True
    assert document_lines(pub, pub.documents[0]) == ["关于测试的通知", "某单位"]
    with pytest.raises(KeyError, match="p2"):
        catalogue.publication("p2")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("publications: [", "not valid YAML"),
        ("documents: []", "'publications' list"),
        (MINIMAL.format(issued="2024-13-01"), "'issued_date' must be an ISO date"),
        (MINIMAL.format(issued="2024-01-01").replace("[1, 2]", "[3, 2]"), "first <= last"),
        (MINIMAL.format(issued="2024-01-01").replace("kind: article", "kind: blog"), "kind 'blog'"),
        (MINIMAL.format(issued="2024-01-01").replace("state: 0", "state: one"), "'state' must be an integer"),
        (MINIMAL.format(issued="2024-01-01") + "        case: rewritten\n", "case 'rewritten'"),
    ],
)
def test_a_broken_catalogue_gives_one_clear_line(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(CatalogueError, match=re.escape(message)) as error:
        load_catalogue(write_catalogue(tmp_path, body))
    assert "\n" not in str(error.value)


def test_a_missing_catalogue_or_text_is_named(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="cannot read catalogue"):
        load_catalogue(tmp_path / "absent.yaml")
    path = write_catalogue(
        tmp_path, MINIMAL.format(issued="2024-01-01").replace("lines: [1, 2]", "lines: [1, 9]")
    )
    pub = load_catalogue(path).publication("p1")
    with pytest.raises(CatalogueError, match="ends at line 9, text has 2"):
        document_lines(pub, pub.documents[0])
    (tmp_path / "doc.txt").unlink()
    with pytest.raises(CatalogueError, match="cannot read corpus text"):
        pub.text_lines()
