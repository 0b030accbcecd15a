"""Render a catalogue document as the web article a government CMS publishes for it.

Provincial sites publish each gazette document a second time as an HTML page: site header and
navigation, a breadcrumb (首页 > 政府公报 > 2024年第2期), the metadata table every 政务公开 page
carries (索引号, 发文机关, 发文字号, 成文日期, 发布日期), the title, the body in
`<div class="article-content">` as `<p>` paragraphs (tables as `<table>`), and a footer full of
links. The HTML extractor has to find the document among all that, so the page carries it all.
Output is deterministic: the same catalogue gives the same bytes.
"""

from __future__ import annotations

import hashlib

from jinja2 import Environment, StrictUndefined

from replica.catalogue import CatalogueDocument, Publication
from replica.paragraphs import Paragraph, join_width, paragraphs

SITE_NAME = "宁夏回族自治区人民政府"
# 索引号 prefix: the region code, as Ningxia's 政府信息公开 pages print it.
INDEX_PREFIX = "640000"

_TEMPLATE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="ArticleTitle" content="{{ title }}">
<meta name="PubDate" content="{{ published }}">
<meta name="ContentSource" content="{{ issuer }}">
<title>{{ title }}_{{ section }}_{{ site }}</title>
<style>
.article-content p{text-indent:2em;line-height:1.8}
.xxgk-meta td,.xxgk-meta th{border:1px solid #ccc}
</style>
</head>
<body>
<div class="top-bar"><a href="http://www.nx.gov.cn/">{{ site }}</a> |
<a href="../../index.html">无障碍</a> | <a href="../../index.html">长者模式</a></div>
<div class="header"><a class="logo" href="../../index.html">{{ site }}</a>
<form class="search" action="../../search.html">
<input type="text" name="q" placeholder="请输入关键词"><button>搜索</button></form></div>
<ul class="nav">
<li><a href="../../index.html">首页</a></li>
<li><a href="../../index.html">要闻动态</a></li>
<li><a href="../../index.html">政务公开</a></li>
<li><a href="../../index.html">政府公报</a></li>
<li><a href="../../index.html">政务服务</a></li>
<li><a href="../../index.html">互动交流</a></li>
</ul>
<div class="breadcrumb">当前位置：{% for label, href in crumbs -%}
<a href="{{ href }}">{{ label }}</a>{% if not loop.last %} &gt; {% endif %}
{%- endfor %}</div>
<div class="article">
<table class="xxgk-meta">
<tr><th>索引号</th><td>{{ index_no }}</td><th>主题分类</th><td>{{ topic }}</td></tr>
<tr><th>发文机关</th><td>{{ issuer }}</td><th>发文字号</th><td>{{ doc_number }}</td></tr>
<tr><th>成文日期</th><td>{{ issued }}</td><th>发布日期</th><td>{{ published }}</td></tr>
<tr><th>标题</th><td colspan="3">{{ title }}</td></tr>
</table>
<h1 class="article-title">{{ title }}</h1>
<div class="article-info"><span>来源：{{ issuer }}</span> <span>发布时间：{{ published }}</span>
<span>字号：<a href="#">大</a> <a href="#">中</a> <a href="#">小</a></span></div>
<div class="article-content">
{% for block in blocks %}{% if block.cells is not none %}{% if block.first %}<table class="content-table">
{% endif %}<tr>{% for cell in block.cells %}<td>{{ cell }}</td>{% endfor %}</tr>
{% if block.last %}</table>
{% endif %}{% else %}<p>{{ block.text }}</p>
{% endif %}{% endfor %}</div>
<div class="article-tools"><a href="javascript:window.print()">【打印本页】</a>
<a href="javascript:window.close()">【关闭窗口】</a></div>
</div>
<div class="footer">
<ul class="links"><li><a href="http://www.gov.cn/">中国政府网</a></li>
<li><a href="../../index.html">网站地图</a></li><li><a href="../../index.html">联系我们</a></li>
<li><a href="../../index.html">隐私声明</a></li></ul>
<p>主办：宁夏回族自治区人民政府办公厅　网站标识码：6400000001　宁ICP备05001329号</p>
</div>
</body>
</html>
"""

_env = Environment(autoescape=True, undefined=StrictUndefined, keep_trailing_newline=True)
_template = _env.from_string(_TEMPLATE)


def issue_label(pub: Publication) -> str:
    """The issue as the breadcrumb names it: 2024年第2期."""
    if pub.year and pub.number:
        return f"{pub.year}年第{pub.number}期"
    return pub.title


def index_number(pub: Publication, doc: CatalogueDocument) -> str:
    """A stable 索引号 (region code / year - serial) derived from the document's identity."""
    dated = doc.issued_date or pub.published
    year = dated.year if dated else pub.year
    digest = hashlib.sha256(f"{pub.id}|{doc.doc_number}|{doc.title}".encode()).hexdigest()
    return f"{INDEX_PREFIX}/{year}-{int(digest[:8], 16) % 100000:05d}"


def _cn_date(value) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


def article_blocks(pub: Publication, doc: CatalogueDocument) -> list[dict]:
    """The document's paragraphs and table rows, marked where a table starts and ends."""
    lines = pub.text_lines()
    first, last = doc.lines
    paras: list[Paragraph] = paragraphs(lines[first - 1 : last], first, join_width(lines))
    blocks = []
    for i, para in enumerate(paras):
        is_row = para.cells is not None
        blocks.append(
            {
                "text": para.text,
                "cells": list(para.cells) if para.cells is not None else None,
                "first": is_row and (i == 0 or paras[i - 1].cells is None),
                "last": is_row and (i == len(paras) - 1 or paras[i + 1].cells is None),
            }
        )
    return blocks


def render_article(pub: Publication, doc: CatalogueDocument) -> str:
    """The HTML page (UTF-8 text) for one document of `pub`."""
    if pub.kind == "gazette_issue":
        section = "政府公报"
        crumbs = [
            ("首页", "../../index.html"),
            ("政府公报", "../../index.html"),
            (issue_label(pub), "index.html"),
        ]
    else:
        section = "政策文件"
        crumbs = [
            ("首页", "../../index.html"),
            ("政务公开", "../../index.html"),
            ("政策文件", "../../index.html"),
        ]
    published = pub.published.isoformat() if pub.published else ""
    return _template.render(
        site=SITE_NAME,
        section=section,
        crumbs=crumbs,
        title=doc.title,
        issuer=doc.issuer or "",
        doc_number=doc.doc_number or "无",
        issued=_cn_date(doc.issued_date),
        published=published,
        index_no=index_number(pub, doc),
        topic="综合政务\\其他",
        blocks=article_blocks(pub, doc),
    )
