"""The policy cascade: clauses of an implementing document aligned with the document it implements.

Seed 003 (彭阳县 county plan) implements 固政办规发〔2020〕3号 (city plan, not in the corpus), which
implements 宁政规发〔2020〕5号 (regional measures, seed 001). The county plan also names the
regional measures directly, so its clauses are aligned with them; the city plan stays a visible
open link. A small constructed pair pins every kind of row.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from extractors.pipeline import extract_file
from gazette.cli import app
from reconcile.cascade import align_documents, cascade_for, cascade_html, render_text, split_clauses
from reconcile.relations import resolve_relations
from warehouse.connect import open_warehouse
from warehouse.load import load_issue
from warehouse.records import FetchedFile, IssueRecord

SEEDS = Path(__file__).resolve().parent.parent / "replica" / "corpus" / "seeds"
PENGYANG = SEEDS / "003_5d8650f278844505.txt"
GAZETTE_2020 = SEEDS / "001_f426c9d5139ab6f6.txt"

PARENT = """关于印发《示范市优化营商环境措施》的通知
示范市政办发〔2024〕1号
第一条 推行企业开办“一网通办”，企业开办时间压缩至1个工作日以内。
第二条 推进不动产登记“一窗受理”，2024年底前实现抵押登记5个工作日内办结。
第三条 优化水电气报装服务，无外线工程的报装时间不超过5个工作日。
第四条 实施进口货物“两步申报”通关模式，降低企业通关成本。
"""
CHILD = """关于落实《示范市优化营商环境措施》的实施方案
为贯彻落实《示范市优化营商环境措施》，制定本方案。
第一条 推行企业开办“一网通办”，企业开办时间压缩至1个工作日以内。
第二条 推进不动产登记“一窗受理”，2024年6月底前实现抵押登记5个工作日内办结。
（责任单位：县自然资源局；完成时限：2024年6月底前）
第三条 优化水电气报装服务，无外线工程的报装时间不超过3个工作日。
第四条 建立乡镇便民服务站代办制度，群众在家门口办理<高频>事项。
"""


def test_clauses_are_split_at_the_markers_readers_use() -> None:
    clauses = [c for c in split_clauses(PENGYANG.read_text(encoding="utf-8")) if not c.is_heading]
    locators = [c.locator for c in clauses]
    assert locators[0] == "一、1." and "三、（一）18." in locators and "三、（二）24." in locators
    seal = next(c for c in clauses if c.body.startswith("优化印章刻制服务"))
    assert seal.facts.deadlines == ("2020年8月底前",)
    assert seal.facts.targets == ("0.5天",)
    assert set(seal.facts.units) == {"县审批局", "公安局"}


def test_a_constructed_pair_shows_kept_changed_added_and_left_out() -> None:
    rows = align_documents(CHILD, PARENT)
    by_child = {r.child.locator: r for r in rows if r.child}

    assert by_child["第一条"].kind == "kept"
    deadline = by_child["第二条"]
    assert deadline.kind == "changed" and deadline.parent.locator == "第二条"
    assert {c["field"]: c["new"] for c in deadline.changes} == {
        "deadline": ["2024年6月底前"],
        "units": ["县自然资源局"],
    }
    target = by_child["第三条"]
    assert target.kind == "changed"
    assert target.changes == [
        {"field": "target", "parent": ["5个工作日"], "child": ["3个工作日"], "new": ["3个工作日"]}
    ]
    assert by_child["第四条"].kind == "added"
    left_out = [r.parent.locator for r in rows if r.kind == "left_out"]
    assert left_out == ["第四条"]  # the customs clause is no county business


def test_the_county_plan_splits_the_regional_measures_item_by_item() -> None:
    county = extract_file(PENGYANG).documents[0]
    regional = next(d for d in extract_file(GAZETTE_2020).documents if d.doc_number == "宁政规发〔2020〕5号")

    rows = align_documents(county.text, regional.text)
    aligned = [r for r in rows if r.kind in ("kept", "changed")]

    def by_start(prefix: str):
        return next(r for r in aligned if r.child.body.startswith(prefix))

    # 56+ county items: almost all take up a regional item or a line of its task list (附件)
    assert len(aligned) >= 90 and sum(r.kind == "added" for r in rows) <= 8
    review = by_start("完善建设项目审批和管理")
    assert review.parent.locator == "附件 二、1.(1)" and review.similarity > 0.8
    # the county sets its own deadline and its own responsible units
    seal = by_start("优化印章刻制服务")
    assert seal.parent.locator.startswith("附件 一、1.")
    fields = {c["field"]: c["new"] for c in seal.changes}
    assert fields["deadline"] == ["2020年8月底前"] and "县审批局" in fields["units"]
    # one regional item, several county items: the county splits 二、1. (工程建设项目审批制度改革)
    split = [r for r in aligned if r.parent.locator.startswith("附件 二、1.")]
    assert len(split) >= 4
    # what a county does not do (customs clearance) is left out
    left_out = " ".join(r.parent.body for r in rows if r.kind == "left_out")
    assert "两步申报" in left_out and "快速分类验放" in left_out


def _load_seed(con, path: Path, issue_id: str) -> None:
    result = extract_file(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    issue = IssueRecord(issue_id=issue_id, source_id="seeds", kind="article", published_date="2020-09-01")
    load_issue(con, issue, FetchedFile(sha256=digest), result.pages, result.documents, today=date(2024, 3, 1))


@pytest.fixture
def cascade_warehouse(tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    con = open_warehouse(path)
    _load_seed(con, PENGYANG, "pengyang-2020")
    _load_seed(con, GAZETTE_2020, "nx-2020-10")
    report = resolve_relations(con)
    assert report.cascades_stored == 1
    con.close()
    return path


def test_the_stored_cascade_names_the_missing_city_plan(cascade_warehouse: Path) -> None:
    con = open_warehouse(cascade_warehouse, read_only=True)
    county_id = con.execute(
        "SELECT document_id FROM documents WHERE issuer = '彭阳县人民政府办公室'"
    ).fetchone()[0]
    stored = dict(
        con.execute(
            "SELECT kind, count(*) FROM cascade_alignments WHERE child_document_id = ? GROUP BY kind",
            [county_id],
        ).fetchall()
    )
    assert stored["changed"] >= 90 and stored["left_out"] > 0

    view = cascade_for(con, county_id)
    numbers = [p.parent_doc_number or p.reference_doc_number for p in view.parents]
    assert numbers[0] == "宁政规发〔2020〕5号" and "固政办规发〔2020〕3号" in numbers
    city = next(p for p in view.parents if p.reference_doc_number == "固政办规发〔2020〕3号")
    assert city.parent_document_id is None and city.rows == []
    text = render_text(view)
    assert "NOT IN THE WAREHOUSE" in text and "固政办规发〔2020〕3号" in text
    assert "时限 deadline: »2020年8月底前«" in text
    con.close()


def test_the_html_is_escaped_and_marks_changed_figures(tmp_path: Path) -> None:
    con = open_warehouse(tmp_path / "w.duckdb")
    digest = hashlib.sha256(b"pair").hexdigest()
    from extractors.model import Document, Reference

    parent = Document(
        title="关于印发《示范市优化营商环境措施》的通知",
        text=PARENT,
        doc_number="示范市政办发〔2024〕1号",
        issuer="示范市人民政府办公室",
        issued_date="2024-01-05",
    )
    child = Document(
        title="关于落实《示范市优化营商环境措施》的实施方案",
        text=CHILD,
        issuer="示范县人民政府办公室",
        issued_date="2024-02-01",
        references=[
            Reference(
                "implements", title="示范市优化营商环境措施", evidence="为贯彻落实《示范市优化营商环境措施》"
            )
        ],
    )
    load_issue(
        con,
        IssueRecord(issue_id="pair", source_id="constructed", published_date="2024-02-01"),
        FetchedFile(sha256=digest),
        [],
        [parent, child],
        today=date(2024, 3, 1),
    )
    resolve_relations(con)
    child_id = con.execute("SELECT document_id FROM documents WHERE doc_number IS NULL").fetchone()[0]

    page = cascade_html(con, child_id)

    assert "<高频>" not in page and "&lt;高频&gt;" in page
    assert "<mark>3个工作日</mark>" in page and 'class="left_out"' in page
    con.close()


def test_the_commands_answer_from_a_warehouse_file(cascade_warehouse: Path) -> None:
    runner = CliRunner()
    cascade = runner.invoke(app, ["cascade", "彭阳县落实自治区固原市", "--db", str(cascade_warehouse)])
    assert cascade.exit_code == 0, cascade.output
    assert "implements 自治区人民政府关于印发" in cascade.output and "NOT IN THE WAREHOUSE" in cascade.output

    status = runner.invoke(
        app, ["status", "宁政规发〔2020〕5号", "--as-of", "2020-05-01", "--db", str(cascade_warehouse)]
    )
    assert status.exit_code == 0, status.output
    assert "status on 2020-05-01: in_force since 2020-04-30" in status.output

    county = runner.invoke(
        app, ["status", "彭阳县落实", "--as-of", "2025-07-01", "--db", str(cascade_warehouse)]
    )
    assert "status on 2025-07-01: expired since 2025-06-18" in county.output
    assert "valid until:   2025-06-17" in county.output


def test_bad_input_is_one_clear_line(cascade_warehouse: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    unknown = runner.invoke(app, ["cascade", "宁政发〔1999〕1号", "--db", str(cascade_warehouse)])
    bad_date = runner.invoke(
        app, ["status", "宁政规发〔2020〕5号", "--as-of", "2020-13-01", "--db", str(cascade_warehouse)]
    )
    missing = runner.invoke(app, ["status", "x", "--db", str(tmp_path / "nothing.duckdb")])
    for result, words in (
        (unknown, "no document matches"),
        (bad_date, "is not a date"),
        (missing, "no warehouse at"),
    ):
        assert result.exit_code == 1
        assert words in result.output and "Traceback" not in result.output
