#!/usr/bin/env python3
"""Benchmark corpus generator: N realistic 政府信息公开工作年度报告 pages, deterministic from a seed.

    scripts/make_corpus.py --n 400 --seed 1 --out /tmp/corpus

Pages mix both national templates (2019 and 2021), GBK (labelled gb2312 or gbk) and UTF-8, Word-pasted
<span> markup on every paragraph and cell, the templates' rowspan/colspan table structure, blank
`&nbsp;` cells, a layout table, a metadata table, navigation menus and footers, and long prose, so
that pages weigh 40–150 KB like real ones. Table values satisfy the accounting identities. The same
seed always writes the same bytes (files are named page-00001.html …).
"""
import argparse, os, random

AGENCY_PREFIX = ["江阴市", "平湖市", "宁化县", "文登区", "临河区", "杨凌示范区", "南湖新区", "渝中区", "兴国县", "武义县", "岳阳县", "沧源县"]
AGENCY_SUFFIX = ["人民政府办公室", "农业农村局", "交通运输局", "住房和城乡建设局", "审计局", "统计局", "市场监督管理局", "镇人民政府", "街道办事处", "自然资源局"]
PROSE = ["坚持以公开为常态、不公开为例外", "全面推进决策、执行、管理、服务、结果公开", "加强政策解读和回应关切", "规范政府信息公开申请办理",
         "持续优化政府网站和政务新媒体", "强化监督保障和考核评议", "深化重点领域信息公开", "推进基层政务公开标准化规范化建设",
         "做好信息发布的保密审查", "完善依申请公开登记、审核、办理、答复、归档工作流程"]
ROWS_2021 = ["1.属于国家秘密", "2.其他法律行政法规禁止公开", "3.危及“三安全一稳定”", "4.保护第三方合法权益", "5.属于三类内部事务信息",
             "6.属于四类过程性信息", "7.属于行政执法案卷", "8.属于行政查询事项"]
UNAV = ["1.本机关不掌握相关政府信息", "2.没有现成信息需要另行制作", "3.补正后申请内容仍不明确"]
NOTP = ["1.信访举报投诉类申请", "2.重复申请", "3.要求提供公开出版物", "4.无正当理由大量反复申请", "5.要求行政机关确认或重新出具已获取信息"]
OTHER = ["1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "3.其他"]


def span(t, size="16.0pt", font="仿宋_GB2312"):
    return f"<span style=\"font-size:{size};font-family:{font};mso-ascii-font-family:'Times New Roman';mso-hansi-font-family:'Times New Roman';color:black\">{t}</span>"


def para(t):
    return f'<p class="MsoNormal" style="text-indent:32.0pt;mso-char-indent-count:2.0;line-height:28.0pt;mso-line-height-rule:exactly">{span(t)}</p>\n'


WORD = [True]  # the current page's markup style: Word-pasted (verbose) or a plain CMS table


def td(v, attrs="", blank_ok=False):
    inner = "&nbsp;" if v is None else str(v)
    if not WORD[0]:
        return f"<td {attrs}>{inner}</td>"
    return (f'<td width="57" valign="center" {attrs} style="width:42.55pt;border:solid windowtext 1.0pt;border-top:none;mso-border-alt:solid windowtext .5pt;padding:0cm 5.4pt 0cm 5.4pt">'
            f'<p class="MsoNormal" align="center" style="text-align:center">{span(inner, "10.5pt", "宋体")}</p></td>')


def split_row(rng, total, columns=6):
    """Distributes a total over the applicant columns, mostly to 自然人."""
    row = [0] * columns
    for _ in range(total):
        row[0 if rng.random() < 0.8 else rng.randrange(1, columns)] += 1
    return row


def page(rng, i):
    template = "2021" if rng.random() < 0.65 else "2019"
    year = rng.randrange(2021, 2025) if template == "2021" else rng.choice([2019, 2020])
    agency = rng.choice(AGENCY_PREFIX) + rng.choice(AGENCY_SUFFIX)
    charset = rng.choice(["utf-8", "gbk", "gb2312"])
    blanks_as_nbsp = rng.random() < 0.4
    WORD[0] = rng.random() < 0.5
    # 表三 with identities: items → outcome total; new + carried = total + forward.
    items = {}
    names = ["granted", "partial"] + ROWS_2021 + UNAV + NOTP + (OTHER if template == "2021" else ["(六)其他处理"])
    for n in names:
        items[n] = split_row(rng, rng.choice([0, 0, 0, 0, 1, 2, 3, 5, 12]) if n in ("granted", "partial", UNAV[0]) else rng.choice([0] * 9 + [1]))
    outcome = [sum(items[n][k] for n in names) for k in range(6)]
    carried = split_row(rng, rng.choice([0, 0, 1, 2]))
    forward = [min(carried[k] + outcome[k], rng.choice([0, 0, 0, 1])) for k in range(6)]
    new = [outcome[k] + forward[k] - carried[k] for k in range(6)]
    if any(v < 0 for v in new):
        new = [max(0, v) for v in new]
        forward = [new[k] + carried[k] - outcome[k] for k in range(6)]

    def cells(row):
        vals = row + [sum(row)]
        return "".join(td(None if (blanks_as_nbsp and v == 0 and k < 6) else v) for k, v in enumerate(vals))

    h = []
    declared = {"utf-8": "utf-8", "gbk": "gbk", "gb2312": "gb2312"}[charset]
    title = f"{agency}{year}年政府信息公开工作年度报告"
    h.append('<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">')
    h.append(f'<html xmlns="http://www.w3.org/1999/xhtml"><head><meta http-equiv="Content-Type" content="text/html; charset={declared}" />')
    h.append(f"<title>{title}_政府信息公开年报_{agency}</title>")
    h.append(f'<meta name="ArticleTitle" content="{title}"><meta name="PubDate" content="{year + 1}-01-{rng.randrange(10, 29)} 09:30">')
    h.append("<script>" + "var _m=[];function f(a){return a&&a.length>0;}" * rng.randrange(5, 60) + "</script>")
    h.append("<style>" + "".join(f".c{k}{{margin:{k}px;padding:{k % 7}px}}" for k in range(rng.randrange(10, 150))) + "</style></head><body>")
    h.append('<div class="header"><ul class="nav">' + "".join(f'<li><a href="/col/{k}/">栏目{k}</a><ul>' + "".join(f'<li><a href="/col/{k}/{j}/">子栏目{k}-{j}</a></li>' for j in range(rng.randrange(3, 9))) + "</ul></li>" for k in range(rng.randrange(8, 16))) + "</ul></div>")
    h.append(f'<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; <a href="/xxgk/">政府信息公开</a> &gt; <a href="/nb/">政府信息公开年报</a></div>')
    h.append('<table width="1000" class="layout"><tr><td valign="top">')
    h.append('<table class="xxgk_table">' + f"<tr><td>索引号：</td><td>{rng.randrange(10**8, 10**9)}/{year + 1}-{rng.randrange(1, 999):05d}</td><td>发布机构：</td><td>{agency}</td></tr>"
             + f"<tr><td>生成日期：</td><td>{year + 1}-01-{rng.randrange(10, 29)}</td><td>文号：</td><td></td></tr><tr><td>主题分类：</td><td>综合政务/政务公开</td><td>关键词：</td><td>年报,信息公开</td></tr></table>")
    h.append(f'<div class="article"><h1>{title}</h1><div class="content">')
    h.append(para(f"本年度报告根据《中华人民共和国政府信息公开条例》要求编制，所列数据统计期限自{year}年1月1日起至{year}年12月31日止。如对本报告有任何疑问，请与{agency}办公室联系，联系电话：0{rng.randrange(100, 999)}-{rng.randrange(10**7, 10**8)}。"))
    h.append(para("一、总体情况"))
    for _ in range(rng.randrange(2, 30) if WORD[0] else rng.randrange(45, 110)):
        h.append(para("".join(rng.choice(PROSE) + "，" for _ in range(rng.randrange(3, 9))) + f"全年主动公开政府信息{rng.randrange(50, 9000)}条。"))
    h.append(para("二、主动公开政府信息情况"))
    t2 = ['<table class="MsoNormalTable" border="1" cellspacing="0" cellpadding="0" style="border-collapse:collapse;mso-table-layout-alt:fixed">']
    if template == "2021":
        blocks = [("第二十条第（一）项", ["本年制发件数", "本年废止件数", "现行有效件数"], ["规章", "行政规范性文件"]),
                  ("第二十条第（五）项", ["本年处理决定数量"], ["行政许可"]), ("第二十条第（六）项", ["本年处理决定数量"], ["行政处罚", "行政强制"]),
                  ("第二十条第（八）项", ["本年收费金额（单位：万元）"], ["行政事业性收费"])]
    else:
        h3 = ["上一年项目数量", "本年增/减", "处理决定数量"]
        blocks = [("第二十条第（一）项", ["本年新制作数量", "本年新公开数量", "对外公开总数量"], ["规章", "规范性文件"]),
                  ("第二十条第（五）项", h3, ["行政许可", "其他对外管理服务事项"]), ("第二十条第（六）项", h3, ["行政处罚", "行政强制"]),
                  ("第二十条第（八）项", ["上一年项目数量", "本年增/减"], ["行政事业性收费"]), ("第二十条第（九）项", ["采购项目数量", "采购总金额"], ["政府集中采购"])]
    for head, cols, rows in blocks:
        t2.append(f'<tr>{td(head, f"colspan={len(cols) + 1}")}</tr><tr>{td("信息内容")}' + "".join(td(c) for c in cols) + "</tr>")
        for r in rows:
            vals = []
            for c in cols:
                if "金额" in c:
                    vals.append(f"{rng.randrange(0, 500000) / 100:.2f}")
                elif "增/减" in c:
                    vals.append(rng.choice(["0", f"+{rng.randrange(1, 20)}", f"-{rng.randrange(1, 5)}"]))
                else:
                    vals.append(str(rng.choice([0, 0, rng.randrange(1, 3000)])))
            t2.append(f"<tr>{td(r)}" + "".join(td(v) for v in vals) + "</tr>")
    t2.append("</table>")
    h.append("\n".join(t2))
    h.append(para("三、收到和处理政府信息公开申请情况"))
    n_outcome = 2 + 8 + 3 + 5 + (3 if template == "2021" else 1) + 1
    t3 = ['<table class="MsoNormalTable" border="1" cellspacing="0" cellpadding="0" style="border-collapse:collapse">',
          f'<tr>{td("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "colspan=3 rowspan=3")}{td("申请人情况", "colspan=7")}</tr>',
          f'<tr>{td("自然人", "rowspan=2")}{td("法人或其他组织", "colspan=5")}{td("总计", "rowspan=2")}</tr>',
          "<tr>" + "".join(td(x) for x in ["商业<br>企业", "科研<br>机构", "社会公益<br>组织", "法律服务<br>机构", "其他"]) + "</tr>",
          f'<tr>{td("一、本年新收政府信息公开申请数量", "colspan=3")}{cells(new)}</tr>',
          f'<tr>{td("二、上年结转政府信息公开申请数量", "colspan=3")}{cells(carried)}</tr>',
          f'<tr>{td("三、本年度办理结果", f"rowspan={n_outcome}")}{td("（一）予以公开", "colspan=2")}{cells(items["granted"])}</tr>',
          f'<tr>{td("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "colspan=2")}{cells(items["partial"])}</tr>']
    for g, labels in (("（三）不予公开", ROWS_2021), ("（四）无法提供", UNAV), ("（五）不予处理", NOTP)):
        for k, label in enumerate(labels):
            t3.append("<tr>" + (td(g, f"rowspan={len(labels)}") if k == 0 else "") + td(label) + cells(items[label]) + "</tr>")
    if template == "2021":
        for k, label in enumerate(OTHER):
            t3.append("<tr>" + (td("（六）其他处理", "rowspan=3") if k == 0 else "") + td(label) + cells(items[label]) + "</tr>")
    else:
        t3.append(f'<tr>{td("（六）其他处理", "colspan=2")}{cells(items["(六)其他处理"])}</tr>')
    t3.append(f'<tr>{td("（七）总计", "colspan=2")}{cells(outcome)}</tr>')
    t3.append(f'<tr>{td("四、结转下年度继续办理", "colspan=3")}{cells(forward)}</tr></table>')
    h.append("\n".join(t3))
    h.append(para("四、政府信息公开行政复议、行政诉讼情况"))
    leaves = "".join(td(x) for x in ["结果<br>维持", "结果<br>纠正", "其他<br>结果", "尚未<br>审结", "总计"])
    review = []
    for _ in range(3):
        parts = [rng.choice([0, 0, 0, 1, 2]) for _ in range(4)]
        review += parts + [sum(parts)]
    h.append('<table class="MsoNormalTable" border="1" cellspacing="0" cellpadding="0">' + f'<tr>{td("行政复议", "colspan=5")}{td("行政诉讼", "colspan=10")}</tr>'
             + "<tr>" + leaves.replace("<td ", "<td rowspan=2 ") + td("未经复议直接起诉", "colspan=5") + td("复议后起诉", "colspan=5") + "</tr>"
             + "<tr>" + leaves * 2 + "</tr><tr>" + "".join(td(v) for v in review) + "</tr></table>")
    h.append(para("五、存在的主要问题及改进情况"))
    for _ in range(rng.randrange(3, 10)):
        h.append(para("".join(rng.choice(PROSE) + "，" for _ in range(rng.randrange(3, 8))) + "还需进一步加强。"))
    h.append(para("六、其他需要报告的事项"))
    h.append(para("本年度未收取信息处理费。"))
    h.append(f'<p align="right">{span(agency)}</p><p align="right">{span(f"{year + 1}年1月{rng.randrange(10, 29)}日")}</p>')
    h.append("</div></div></td></tr></table>")
    h.append('<div class="footer">' + "".join(f'<a href="http://www.{k}.gov.cn/">相关链接{k}</a> ' for k in range(rng.randrange(20, 60)))
             + "<p>主办单位：人民政府办公室 网站标识码：3200000000 ICP备05000000号</p></div></body></html>")
    text = "\n".join(h)
    return text.encode("utf-8" if charset == "utf-8" else "gb18030")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=400)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    rng = random.Random(a.seed)
    sizes = []
    for i in range(1, a.n + 1):
        data = page(rng, i)
        sizes.append(len(data))
        with open(os.path.join(a.out, f"page-{i:05d}.html"), "wb") as f:
            f.write(data)
    print(f"{a.n} pages, {sum(sizes) / 1048576:.1f} MB, {min(sizes) // 1024}–{max(sizes) // 1024} KB each, mean {sum(sizes) // len(sizes) // 1024} KB")


if __name__ == "__main__":
    main()
