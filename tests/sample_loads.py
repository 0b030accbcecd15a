"""Small, realistic issues for the warehouse's tests, documentation and demos.

The texts are excerpts of the seed publications (Ningxia gazette 2024 No. 2,
the 2020 营商环境 measures, the 彭阳县 plan that implements them), shortened;
the repeal in `issue_2024_03` is constructed test data (marked as such), so
that every event kind can be exercised without the extraction stage.

Each issue is returned as the four arguments `load_issue` takes after the
connection: (IssueRecord, FetchedFile, pages, documents).
"""

from __future__ import annotations

import hashlib

from extractors.model import Document, Page, Reference
from warehouse.records import FetchedFile, IssueRecord

LoadArgs = tuple[IssueRecord, FetchedFile, list[Page], list[Document]]

_ORDER_130 = (
    "宁夏回族自治区人民政府令\n第 130 号\n"
    "《宁夏回族自治区实施〈残疾预防和残疾人康复条例〉办法》已经 2023 年 11 月 8 日自治区人民政府第 33 次"
    "常务会议审议通过，现予公布，自 2024 年 2 月 1 日起施行。\n自治区主席 张雨浦\n2023 年 11 月 14 日\n"
    "(此件公开发布)\n宁夏回族自治区 实施《残疾预防和残疾人康复条例》办法\n第一章 总 则\n"
    "第一条 为了贯彻落实国务院《残疾预防和残疾人康复条例》，结合自治区实际，制定本办法。\n"
    "第二条 本办法适用于自治区行政区域内的残疾预防、残疾人康复和相关监督保障等活动。\n"
    "第三条 残疾预防和残疾人康复工作应当坚持人民至上、生命至上，实行预防为主、预防与康复相结合、"
    "普惠与特惠相结合的方针。\n第三十五条 本办法自2024年2月1日起施行。"
)

_EFFICIENCY_50 = (
    "自治区人民政府办公厅 关于印发《建立政务服务效能提升常态化工作机制 实施方案》的通知\n"
    "宁政办发〔2023〕50号\n各市、县(区)人民政府，自治区政府各部门、各直属机构：\n"
    "为全面贯彻落实《国务院办公厅关于依托全国一体化政务服务平台建立政务服务效能提升常态化工作机制的意见》"
    "（国办发〔2023〕29号）精神，持续深化政务服务改革，全面建立和强化政务服务效能提升常态化工作机制，"
    "制定如下实施方案。\n(30) 依托全区一体化政务服务平台, 建设完善全区政务服务地图, 提供就近网点位置、"
    "办事预约、事项材料查看、在线申报、网上预审、不见面办理等服务。\n"
    "(54) 积极推广、复制全国政务服务效能提升典型经验做法，充分运用“宁夏政务服务”公众号、政府网站、"
    "各类新媒体等宣传渠道，优化营商环境，建立经验推广常态化机制。"
)

_TRADE_53 = (
    "自治区人民政府办公厅印发 《关于推动外贸稳规模优结构的若干措施》的通知\n宁政办发〔2023〕53号\n"
    "各市、县(区)人民政府, 自治区政府各部门、各直属机构:\n"
    "《关于推动外贸稳规模优结构的若干措施》已经自治区人民政府同意, 现印发给你们, 请认真贯彻落实。\n"
    "宁夏回族自治区人民政府办公厅\n2023年12月10日\n(此件公开发布)\n"
    "为深入贯彻落实《国务院办公厅关于推动外贸稳规模优结构的意见》(国办发〔2023〕10号)精神, "
    "积极应对外贸面临的不确定不稳定因素, 更大力度推动外贸稳规模优结构, 现制定如下措施。\n"
    "一、培育外贸经营主体\n(一) 激发外贸主体内生动力。对进出口额5000万元以上外贸企业, "
    "聚焦“一企一计划”协调解决企业难题。对进出口额1000万元以上外贸企业, 通过政策扶持引导扩大进出口规模。"
)

_TIERS_13 = (
    "自治区人民政府办公厅关于印发 《自治区建立企业梯次培育体系实施方案》的通知\n宁政办规发〔2023〕13号\n"
    "各市、县(区)人民政府，自治区政府各部门、各直属机构：\n"
    "《自治区建立企业梯次培育体系实施方案》已经自治区人民政府同意，现印发给你们，请结合实际，认真贯彻落实。\n"
    "宁夏回族自治区人民政府办公厅\n2023年12月19日\n(此件公开发布)\n"
    "(一) 指导思想。按照全区民营经济高质量发展大会、新型工业化推进大会安排部署，深入实施创新主体培育工程，"
    "科学整合现有企业类型，建立企业梯次培育体系。\n"
    "本实施方案自2024年1月20日起施行，有效期至2024年3月1日。具体解释工作由自治区科技厅承担。"
)

_BUSINESS_5 = (
    "自治区人民政府关于印发宁夏回族自治区\n深化 “放管服” 改革优化营商环境若干措施的通知\n"
    "宁政规发 〔2020〕5号\n各市、县 (区)人民政府,自治区政府各部门、各直属机构:\n"
    "现将 《宁夏回族自治区深化 “放管服”改革优化营商环境若干措施》印发给你们,请认真贯彻\n执行。\n"
    "宁夏回族自治区人民政府\n2020年4月30日\n(此件公开发布)\n"
    "  为认真贯彻落实党中央、国务院决策部署,\n通过深化 “放管服”改革,持续优化营商环境,\n"
    "坚持问题导向、目标导向、结果导向,举全区之\n力打造审批更简、流程更优、服务更好、监管更\n"
    "准的一流营商环境,更大激发市场活力和社会创\n造力,支持民营企业发展,助推经济高质量发展。"
)

_PENGYANG = (
    "彭阳县人民政府办公室关于印发\n彭阳县落实自治区固原市持续优化营商环境相关措施细化责任分工方案的通知\n"
    "为认真贯彻落实《自治区人民政府关于印发宁夏回族自治区深化“放管服”改革优化营商环境若干措施的通知》"
    "（宁政规发〔2020〕5号）和《固原市人民政府办公室关于印发固原市落实自治区持续优化营商环境相关措施"
    "细化责任分工方案的通知》（固政办规发〔2020〕3号），经县人民政府同意，现将方案印发给你们。\n"
    "82. 持续推进行政审批制度改革。清理多部门、多层级重复审批事项。（责任部门：县审批局；"
    "完成时限：2020年12月10日前）\n本工作方案自2020年8月31日起施行，有效期至2025年6月17日。"
)

# Constructed (not in any seed): a decision that repeals 宁政办发〔2023〕50号 and amends 53号.
_REPEAL_CONSTRUCTED = (
    "自治区人民政府办公厅关于废止和修改部分文件的决定\n宁政办发〔2024〕8号\n"
    "经自治区人民政府同意，决定：\n"
    "一、《建立政务服务效能提升常态化工作机制实施方案》（宁政办发〔2023〕50号）同时废止。\n"
    "二、对《关于推动外贸稳规模优结构的若干措施》（宁政办发〔2023〕53号）作如下修改："
    "将“进出口额5000万元以上”修改为“进出口额3000万元以上”。\n本决定自印发之日起施行。\n"
    "宁夏回族自治区人民政府办公厅\n2024年2月5日"
)


def _file(name: str, url: str) -> FetchedFile:
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()
    return FetchedFile(
        sha256=digest,
        url=url,
        http_status=200,
        etag=f'"{digest[:8]}"',
        last_modified="Wed, 31 Jan 2024 08:00:00 GMT",
        fetched_at="2024-02-01T09:30:00+08:00",
        storage_path=f"raw/{digest[:2]}/{digest}",
        content_type="application/pdf",
        size_bytes=1_048_576,
    )


def _pages(texts: list[str], first_printed: int) -> list[Page]:
    return [
        Page(index=i, text=text, printed_number=first_printed + i, has_text=bool(text))
        for i, text in enumerate(texts)
    ]


def issue_2024_02() -> LoadArgs:
    """宁夏回族自治区人民政府公报 2024年第2期 (总第731期): four documents."""
    documents = [
        Document(
            title="宁夏回族自治区实施《残疾预防和残疾人康复条例》办法",
            text=_ORDER_130,
            doc_number="宁夏回族自治区人民政府令第130号",
            issuer="宁夏回族自治区人民政府",
            doc_type="令",
            issued_date="2023-11-14",
            effective_date="2024-02-01",
            publication_note="此件公开发布",
            is_public=True,
            start_page=3,
            end_page=5,
        ),
        Document(
            title="自治区人民政府办公厅关于印发《建立政务服务效能提升常态化工作机制实施方案》的通知",
            text=_EFFICIENCY_50,
            doc_number="宁政办发[2023]50号",
            doc_number_issuer_code="宁政办发",
            doc_number_year=2023,
            doc_number_serial=50,
            issuer="宁夏回族自治区人民政府办公厅",
            doc_type="通知",
            issued_date="2023-12-05",
            effective_on_issue=True,
            start_page=6,
            end_page=18,
            references=[
                Reference(
                    relation="implements",
                    title="国务院办公厅关于依托全国一体化政务服务平台建立政务服务效能提升常态化工作机制的意见",
                    doc_number="国办发〔2023〕29号",
                    evidence="为全面贯彻落实《国务院办公厅关于依托全国一体化政务服务平台建立政务服务效能提升"
                    "常态化工作机制的意见》（国办发〔2023〕29号）精神",
                )
            ],
        ),
        Document(
            title="自治区人民政府办公厅印发《关于推动外贸稳规模优结构的若干措施》的通知",
            text=_TRADE_53,
            doc_number="宁政办发〔2023〕53号",
            issuer="宁夏回族自治区人民政府办公厅",
            doc_type="通知",
            issued_date="2023-12-10",
            start_page=19,
            end_page=21,
        ),
        Document(
            title="自治区人民政府办公厅关于印发《自治区建立企业梯次培育体系实施方案》的通知",
            text=_TIERS_13,
            doc_number="宁政办规发〔2023〕13号",
            issuer="宁夏回族自治区人民政府办公厅",
            doc_type="通知",
            issued_date="2023-12-19",
            effective_date="2024-01-20",
            expiry_date="2024-03-01",
            start_page=22,
            end_page=30,
        ),
    ]
    issue = IssueRecord(
        issue_id="nx-2024-02",
        source_id="ningxia-gazette",
        source_name="宁夏回族自治区人民政府公报",
        title="宁夏回族自治区人民政府公报",
        year=2024,
        number=2,
        total_number=731,
        published_date="2024-01-31",
        page_count=4,
        url="http://127.0.0.1/gazette/2024/02/",
    )
    pages = _pages([_ORDER_130, _EFFICIENCY_50, _TRADE_53, _TIERS_13], first_printed=3)
    return issue, _file("nx-2024-02", "http://127.0.0.1/gazette/2024/02/issue.pdf"), pages, documents


def issue_2024_03() -> LoadArgs:
    """The next issue: a noisy reprint of 50号 (not a revision), an amended 53号, a repeal, a bad date."""
    noisy_50 = (
        _EFFICIENCY_50.replace("〔2023〕50号", "[2023]50 号").replace("，", "， ").replace("\n", "\n\n")
    )
    amended_53 = _TRADE_53.replace("进出口额5000万元以上", "进出口额3000万元以上")
    documents = [
        Document(
            title="自治区人民政府办公厅关于印发《建立政务服务效能提升常态化工作机制实施方案》的通知",
            text=noisy_50,
            doc_number="宁政办发〔2023〕50 号",
            issuer="宁夏回族自治区人民政府办公厅",
            doc_type="通知",
            issued_date="2023-12-05",
            start_page=2,
            end_page=9,
        ),
        Document(
            title="自治区人民政府办公厅印发《关于推动外贸稳规模优结构的若干措施》的通知",
            text=amended_53,
            doc_number="宁政办发〔2023〕53号",
            issuer="宁夏回族自治区人民政府办公厅",
            doc_type="通知",
            issued_date="2023-12-10",
            start_page=10,
            end_page=12,
        ),
        Document(
            title="自治区人民政府办公厅关于废止和修改部分文件的决定",
            text=_REPEAL_CONSTRUCTED,
            doc_number="宁政办发〔2024〕8号",
            issuer="宁夏回族自治区人民政府办公厅",
            doc_type="决定",
            issued_date="2024-02-05",
            effective_on_issue=True,
            start_page=13,
            end_page=13,
            references=[
                Reference(
                    relation="repeals",
                    title="建立政务服务效能提升常态化工作机制实施方案",
                    doc_number="宁政办发〔2023〕50号",
                    evidence="《建立政务服务效能提升常态化工作机制实施方案》（宁政办发〔2023〕50号）同时废止。",
                ),
                Reference(
                    relation="amends",
                    title="关于推动外贸稳规模优结构的若干措施",
                    doc_number="宁政办发〔2023〕53号",
                    evidence="对《关于推动外贸稳规模优结构的若干措施》（宁政办发〔2023〕53号）作如下修改",
                ),
            ],
        ),
        Document(
            title="自治区人民政府办公厅关于做好2024年春节期间安全生产工作的通知",
            text="各市、县(区)人民政府：春节将至，请切实做好安全生产工作。\n宁夏回族自治区人民政府办公厅",
            issuer="宁夏回族自治区人民政府办公厅",
            doc_type="通知",
            issued_date="2024-02-30",
            problems=["no document number found before the addressees"],
            start_page=14,
            end_page=14,
        ),
    ]
    issue = IssueRecord(
        issue_id="nx-2024-03",
        source_id="ningxia-gazette",
        title="宁夏回族自治区人民政府公报",
        year=2024,
        number=3,
        total_number=732,
        published_date="2024-02-15",
        page_count=1,
        url="http://127.0.0.1/gazette/2024/03/",
    )
    pages = _pages([noisy_50 + "\n" + amended_53 + "\n" + _REPEAL_CONSTRUCTED], first_printed=2)
    return issue, _file("nx-2024-03", "http://127.0.0.1/gazette/2024/03/issue.pdf"), pages, documents


def issue_pengyang_2020() -> LoadArgs:
    """A county web article (彭阳县) that implements 宁政规发〔2020〕5号, loaded before its target."""
    documents = [
        Document(
            title="彭阳县人民政府办公室关于印发彭阳县落实自治区固原市持续优化营商环境相关措施细化责任分工方案的通知",
            text=_PENGYANG,
            issuer="彭阳县人民政府办公室",
            doc_type="通知",
            issued_date="2020-08-31",
            effective_date="2020-08-31",
            expiry_date="2025-06-17",
            references=[
                Reference(
                    relation="implements",
                    title="自治区人民政府关于印发宁夏回族自治区深化“放管服”改革优化营商环境若干措施的通知",
                    doc_number="宁政规发〔2020〕5号",
                    evidence="为认真贯彻落实《自治区人民政府关于印发宁夏回族自治区深化“放管服”改革优化营商环境"
                    "若干措施的通知》（宁政规发〔2020〕5号）",
                ),
                Reference(
                    relation="implements",
                    title="固原市人民政府办公室关于印发固原市落实自治区持续优化营商环境相关措施细化责任分工方案的通知",
                    doc_number="固政办规发〔2020〕3号",
                    evidence="《固原市人民政府办公室关于印发固原市落实自治区持续优化营商环境相关措施细化责任分工"
                    "方案的通知》（固政办规发〔2020〕3号）",
                ),
            ],
        )
    ]
    issue = IssueRecord(
        issue_id="pengyang-2020-08-31",
        source_id="pengyang-county",
        source_name="彭阳县人民政府",
        kind="article",
        title="彭阳县人民政府办公室 政府文件",
        published_date="2020-09-01",
        page_count=1,
    )
    return issue, _file("pengyang-2020", "http://127.0.0.1/pengyang/2020/0831.html"), [], documents


def issue_2020_business() -> LoadArgs:
    """A 2020 gazette issue (backfilled later) holding 宁政规发〔2020〕5号, the 营商环境 measures."""
    documents = [
        Document(
            title="自治区人民政府关于印发宁夏回族自治区深化“放管服”改革优化营商环境若干措施的通知",
            text=_BUSINESS_5,
            doc_number="宁政规发 〔2020〕5号",
            issuer="宁夏回族自治区人民政府",
            doc_type="通知",
            issued_date="2020-04-30",
            effective_on_issue=True,
            start_page=6,
            end_page=40,
        )
    ]
    issue = IssueRecord(
        issue_id="nx-2020-10",
        source_id="ningxia-gazette",
        title="宁夏回族自治区人民政府公报",
        year=2020,
        number=10,
        published_date="2020-05-31",
        page_count=1,
    )
    pages = _pages([_BUSINESS_5], first_printed=6)
    return issue, _file("nx-2020-10", "http://127.0.0.1/gazette/2020/10/issue.pdf"), pages, documents
