#!/usr/bin/env python3
"""Writes the synthetic-but-real-shaped inputs of the golden corpus (Snapshots/<case>/input.*).

Each case reproduces breakage seen on real pages (../shared/spec/templates.md §9, the page openings
in ../shared/samples/pages). The inputs are committed; this script documents how they were made and
can re-create them. Expected outputs are NOT generated here: each expected.json was produced once by
the tool and then checked by hand against the input (see Snapshots/README.md).
"""
import json, pathlib, sys

ROOT = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "Snapshots")
B = None  # a blank cell

ROWS_2021 = [
    "一、本年新收政府信息公开申请数量", "二、上年结转政府信息公开申请数量", "三、本年度办理结果",
    "(一)予以公开", "(二)部分公开(区分处理的,只计这一情形,不计其他情形)", "(三)不予公开",
    "1.属于国家秘密", "2.其他法律行政法规禁止公开", "3.危及“三安全一稳定”", "4.保护第三方合法权益",
    "5.属于三类内部事务信息", "6.属于四类过程性信息", "7.属于行政执法案卷", "8.属于行政查询事项",
    "(四)无法提供", "1.本机关不掌握相关政府信息", "2.没有现成信息需要另行制作", "3.补正后申请内容仍不明确",
    "(五)不予处理", "1.信访举报投诉类申请", "2.重复申请", "3.要求提供公开出版物", "4.无正当理由大量反复申请",
    "5.要求行政机关确认或重新出具已获取信息", "(六)其他处理",
    "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "3.其他",
    "(七)总计", "四、结转下年度继续办理",
]
GROUPS = {"三、本年度办理结果", "(三)不予公开", "(四)无法提供", "(五)不予处理", "(六)其他处理"}
ROWS_2019 = [r for r in ROWS_2021 if not r.startswith(("1.申请人无正当", "2.申请人逾期", "3.其他"))]
HEADER3 = ["(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)", "申请人情况", "自然人", "法人或其他组织", "总计",
           "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
HEADER4 = ["行政复议", "行政诉讼", "结果维持", "结果纠正", "其他结果", "尚未审结", "总计", "未经复议直接起诉", "复议后起诉",
           "结果维持", "结果纠正", "其他结果", "尚未审结", "总计", "结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]


def rows3(template, values):
    """values: dict row-label-prefix -> list of 7 (None = blank). Rows not given are all zero."""
    labels = ROWS_2021 if template == "2021" else ROWS_2019
    out = []
    for label in labels:
        if label in GROUPS and not (template == "2019" and label == "(六)其他处理"):
            out.append((label, None))
            continue
        v = next((vals for k, vals in values.items() if label.startswith(k)), ["0"] * 7)
        out.append((label, v))
    return out


def flat(rows, shape):
    """rows: list of (label, values or None). Returns lines in one of the flattened shapes of B4."""
    lines = []
    for label, vals in rows:
        if shape == "cell-per-line":
            lines.append(label)
            lines += [v for v in (vals or []) if v is not None]
        elif shape == "cell-per-line-pipe":
            lines.append(label + " |")
            lines += ["|" if v is None else f"{v} |" for v in (vals or [])]
        elif shape == "pipe-rows":
            if vals is None:
                lines.append(label + " |")
            else:
                lines.append(" | ".join([label] + ["" if v is None else v for v in vals]) + " |")
        elif shape == "label-numbers":
            lines.append(" ".join([label] + [v for v in (vals or []) if v is not None]))
    return lines


def proactive_2021(vals):
    (r1, r2, lic, pen, coe, fee) = vals
    return [("第二十条第(一)项", None), ("信息内容", None), ("本年制发件数", None), ("本年废止件数", None), ("现行有效件数", None),
            ("规章", r1), ("行政规范性文件", r2), ("第二十条第(五)项", None), ("信息内容", None), ("本年处理决定数量", None),
            ("行政许可", [lic]), ("第二十条第(六)项", None), ("信息内容", None), ("本年处理决定数量", None),
            ("行政处罚", [pen]), ("行政强制", [coe]), ("第二十条第(八)项", None), ("信息内容", None),
            ("本年收费金额(单位:万元)", None), ("行政事业性收费", [fee])]


def proactive_2019(vals):
    (r1, r2, lic, oth, pen, coe, fee, proc) = vals
    head3 = [("信息内容", None), ("上一年项目数量", None), ("本年增/减", None), ("处理决定数量", None)]
    return ([("第二十条第(一)项", None), ("信息内容", None), ("本年新 制作数量", None), ("本年新 公开数量", None), ("对外公开总数量", None),
             ("规章", r1), ("规范性文件", r2), ("第二十条第(五)项", None)] + head3 +
            [("行政许可", lic), ("其他对外管理服务事项", oth), ("第二十条第(六)项", None)] + head3 +
            [("行政处罚", pen), ("行政强制", coe), ("第二十条第(八)项", None), ("信息内容", None), ("上一年项目数量", None),
             ("本年增/减", None), ("行政事业性收费", fee), ("第二十条第(九)项", None), ("信息内容", None),
             ("采购项目数量", None), ("采购总金额", None), ("政府集中采购", proc)])


def write(case, name, text, encoding="utf-8", sidecar=None):
    d = ROOT / case
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(text.encode(encoding))
    if sidecar:
        (d / (name + ".meta.json")).write_text(json.dumps(sidecar, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


# --- flat-pipe-rows: 2021 report as pipe rows (038/054 shape), a local extra row (B14) ----------------
apps = {"一、": ["5", "1", "0", "0", "0", "0", "6"], "二、": ["1", "0", "0", "0", "0", "0", "1"],
        "(一)": ["2", "1", "0", "0", "0", "0", "3"], "(二)": ["1", "0", "0", "0", "0", "0", "1"],
        "1.本机关不掌握": ["2", "0", "0", "0", "0", "0", "2"], "(七)": ["5", "1", "0", "0", "0", "0", "6"],
        "四、": ["1", "0", "0", "0", "0", "0", "1"]}
t2 = proactive_2021([["0", "0", "0"], ["2", "1", "15"], "460", "37", "3", "1.25"])
t2.insert(10, ("其他主动公开文件(本机关制发的其他公文)", ["12", "0", "12"]))
lines = ["平湖市交通运输局2024年政府信息公开工作年度报告", "发布日期:2025-01-20 信息来源:平湖市交通运输局",
         "本报告根据《中华人民共和国政府信息公开条例》编制,所列数据统计期限为2024年1月1日至2024年12月31日。如对本报告有任何疑问,请联系:平湖市交通运输局办公室,联系电话:0573-85012345,电子邮箱:pjtj@pinghu.gov.cn。",
         "一、总体情况", "2024年,我局共主动公开政府信息376条。全年共收到政府信息公开申请6件,均在规定时限内完成答复。",
         "二、主动公开政府信息情况"]
lines += ["第二十条第(一)项 | |||"] + [l.replace("|  |", "|") for l in flat(t2, "pipe-rows")]
lines += ["三、收到和处理政府信息公开申请情况"]
lines += [" | ".join(HEADER3[:2]) + " | ||||||||", " | ".join(HEADER3[2:5]) + " |", " | ".join(HEADER3[5:]) + " |"]
lines += flat(rows3("2021", apps), "pipe-rows")
lines += ["四、政府信息公开行政复议、行政诉讼情况", "行政复议 | 行政诉讼 |", " | ".join(HEADER4[2:]) + " |",
          " | ".join(["1", "0", "0", "0", "1"] + ["0"] * 10) + " |",
          "五、存在的主要问题及改进情况", "一是信息公开的及时性有待提高;二是政策解读形式较为单一。下一步,我局将加强审核,丰富解读形式。",
          "六、其他需要报告的事项", "本年度未收取信息处理费。", "平湖市交通运输局", "2025年1月20日"]
write("flat-pipe-rows-2021", "input.txt", "\n".join(lines) + "\n")

# --- flat-lone-pipes: cell per line + trailing " |", empty cells as lone "|" (056 shape), "/" markers ----
apps = {k: [B, B, B, B, B, B, "0"] for k in ["一、", "二、", "(二)", "1.", "2.", "3.", "4.", "5.", "6.", "7.", "8.", "(七)", "四、"]}
apps["(一)"] = [B] * 7
t2 = proactive_2021([["/", "/", "/"], ["0", "0", "0"], "0", "0", "0", "0"])
lines = ["区统计局2023年政府信息公开工作年度报告",
         "根据《中华人民共和国政府信息公开条例》规定,现公布区统计局2023年政府信息公开工作年度报告。统计期限自2023年1月1日起至2023年12月31日止。",
         "一、总体情况", "2023年,我局认真梳理,主动在门户网站公开政府信息50条。", "二、主动公开政府信息情况"]
lines += flat(t2, "cell-per-line-pipe") + ["三、收到和处理政府信息公开申请情况"]
lines += [h + " |" for h in HEADER3] + ["||||||||"]
lines += flat(rows3("2021", apps), "cell-per-line-pipe")
lines += ["||", "四、政府信息公开行政复议、行政诉讼情况"] + [h + " |" for h in HEADER4] + ["0 |"] * 15
lines += ["五、存在的主要问题及改进情况", "信息公开的深度和广度有待加强。", "六、其他需要报告的事项", "无。", "区统计局", "2024年1月15日"]
write("flat-lone-pipes-2021", "input.txt", "\n".join(lines) + "\n")

# --- flat-label-numbers: label + numbers on one line, headings inline (B18), dates B1/B3 -----------------
apps = {"一、": ["3", "3"], "二、": ["0", "0"], "(一)": ["2", "2"], "(二)": ["0"], "1.本机关不掌握": ["1", "1"],
        "(七)": ["3", "3"], "四、": ["0"]}
for k in ["1.属于", "2.其他法律", "3.危及", "4.保护", "5.属于三类", "6.属于四类", "7.", "8.", "2.没有", "3.补正", "1.信访", "2.重复",
          "3.要求提供", "4.无正当", "5.要求行政", "1.申请人", "2.申请人", "3.其他"]:
    apps[k] = ["0"]
t2 = proactive_2021([["0", "0", "0"], ["0", "0", "3"], "12", "0", "0", "0"])
prose = ("岳阳县杨林乡人民政府2021年政府信息公开工作年度报告 本报告所列数据统计期限从202111日到1231日止。"
         "一、总体情况 2021年,我乡主动公开政府信息120条,收到依申请公开3件。二、主动公开政府信息情况")
lines = [prose] + flat(t2, "label-numbers") + ["三、收到和处理政府信息公开申请情况"] + [" ".join(HEADER3)]
lines += flat(rows3("2021", apps), "label-numbers")
lines += ["四、政府信息公开行政复议、行政诉讼情况 " + " ".join(HEADER4), " ".join(["0"] * 15),
          "五、存在的主要问题及改进情况 公开内容不够全面。六、其他需要报告的事项 无。", "杨林乡人民政府", "2022 年 1 月 16 日"]
write("flat-label-numbers-2021", "input.txt", "\n".join(lines) + "\n")

# --- t2019-text-yuan: 2019 tables one cell per line + " |", 251000元, 减4, dropped cells "3 | 3" (002/030) ---
apps = {"一、": ["3", "3"], "二、": ["0", "0"], "(一)": ["3", "3"], "(二)": ["0"], "(七)": ["3", "3"], "四、": ["0", "0"]}
for k in ["1.", "2.", "3.", "4.", "5.", "6.", "7.", "8.", "(六)"]:
    apps[k] = ["0"] * 7
t2 = proactive_2019([["0", "0", "0"], ["2", "2", "16"], ["6", "减4", "2"], ["0", "0", "0"], ["2", "+1", "2"], ["0", "0", "0"],
                     ["1", "0"], ["3", "251000元"]])
lines = ["南湖新区住房和城乡建设局2019年政府信息公开工作年度报告",
         "本年度报告中所列数据统计期限自2019年1月1日起至2019年12月31日止。",
         "一、总体情况", "2019年我局政府信息公开工作运行良好。全年收到依申请公开信息3条,答复率100%。",
         "二、主动公开政府信息情况", "第二十条第(一)项 |", "||||"]
lines += flat(t2, "cell-per-line-pipe") + ["三、收到和处理政府信息公开申请情况"] + [h + " |" for h in HEADER3] + ["|||||||||"]
rows = rows3("2019", apps)
for label, vals in rows:
    lines.append(label + " |")
    lines += [f"{v} |" for v in (vals or [])]
    if vals is not None and len(vals) < 7:
        lines.append("|||||||||")
lines += ["四、政府信息公开行政复议、行政诉讼情况"] + [h + " |" for h in HEADER4] + ["0 |"] * 15
lines += ["五、存在的主要问题及改进情况", "信息公开的主动性有待加强。", "六、其他需要报告的事项", "无其他需要报告的事项。",
          "南湖新区住房和城乡建设局", "2020年1月18日"]
write("t2019-text-yuan", "input.txt", "\n".join(lines) + "\n")

# --- labels-lost-b8: the 8 不予公开 rows lost their labels: a bare run of 56 zeros (030 shape) ------------
lines = ["一、总体情况", "本年度,我局坚持“以公开为常态,不公开为例外”原则,全面落实信息公开条例。", "二、主动公开政府信息情况"]
t2 = proactive_2019([["0", "0", "0"], ["0", "0", "0"], ["6", "减4", "2"], ["0", "0", "0"], ["2", "0", "2"], ["0", "0", "0"],
                     ["0", "0"], ["6", "52.15"]])
lines += flat(t2, "cell-per-line-pipe") + ["三、收到和处理政府信息公开申请情况"] + [h + " |" for h in HEADER3]
apps = {"一、": ["1", "0", "0", "0", "0", "0", "1"], "(一)": ["1", "0", "0", "0", "0", "0", "1"], "(七)": ["1", "0", "0", "0", "0", "0", "1"]}
for label, vals in rows3("2019", apps):
    if label[:2] in ("1.", "2.", "3.", "4.", "5.", "6.", "7.", "8.") and ROWS_2019.index(label) < ROWS_2019.index("(四)无法提供"):
        lines += ["0 |"] * 7
        continue
    lines.append(label + " |")
    lines += [f"{v} |" for v in (vals or [])]
lines += ["四、政府信息公开行政复议、行政诉讼情况"] + [h + " |" for h in HEADER4] + ["0 |"] * 15
lines += ["五、存在的主要问题及改进情况", "公开工作还需加强。", "六、其他需要报告的事项", "无。"]
write("labels-lost-b8-2019", "input.txt", "\n".join(lines) + "\n")

# --- pdf-flipbook-b16: PDF text, vertical table 四 header, 四、结转 next to heading 四 (028) ---------------
apps = {"一、": ["0"] * 7}
lines = ["Page 9 - 2020年报_审计局", "P. 9", "威海市文登区审计局2020年政府信息公开工作年度报告",
         "本报告统计期限为 2020 年 1 月 1 日至 2020 年 12 月 31 日。", "一、总体情况",
         "2020 年,我局共主动公开政府信息 35 条,未收到政府信息公开申请。", "二、主动公开政府信息情况"]
t2 = proactive_2019([["0", "0", "0"], ["0", "0", "0"], ["0", "0", "0"], ["0", "0", "0"], ["0", "0", "0"], ["0", "0", "0"],
                     ["0", "0"], ["0", "0"]])
lines += flat(t2, "label-numbers") + ["三、收到和处理政府信息公开申请情况"] + [" ".join(HEADER3)]
lines += flat(rows3("2019", {}), "label-numbers")
lines += ["四、政府信息公开行政复议、行政诉讼情况", "2020 年,我单位对形成的政府信息实现了依法、有序公开,",
          "未出现申请行政复议、提起行政诉讼的情况。", "行政复议 行政诉讼", "未经复议直接起诉 复议后起诉", "结 结 其 尚",
          "结 结 其 尚 结 结 其 尚", "果 果 他 未", "总计 果 果 他 未 总 果 果 他 未 总", "维 纠 结 审",
          "维 纠 结 审 计 维 纠 结 审 计", "持 正 果 结", "持 正 果 结 持 正 果 结", " ".join(["0"] * 15),
          "五、存在的主要问题及改进情况", "2020 年,我局政务公开工作取得了一些成绩,但仍存在着一些短板和不足。",
          "六、其他需要报告的事项", "无。", "威海市文登区审计局", "2021 年 1 月 25 日"]
write("pdf-flipbook-b16-2019", "input.txt", "\n".join(lines) + "\n")
print("ok")


# ---------------------------------------------------------------------------------------------------
# HTML cases
def cell(v, attrs=""):
    return f"<td{attrs}>{'&nbsp;' if v is None else v}</td>"


def html_t2(template, rows):
    """rows: list of (label, values or None) in page order; header rows have None values."""
    out = ['<table border="1" cellspacing="0" cellpadding="0" class="MsoTableGrid">']
    width = 4 if template == "2021" else 4
    for label, vals in rows:
        if label.startswith("第二十条"):
            out.append(f'<tr><td colspan="{width}">{label}</td></tr>')
        elif vals is None:
            continue
        else:
            out.append("<tr><td>" + label + "</td>" + "".join(cell(v) for v in vals) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def html_t2_with_headers(template, rows):
    out = ['<table border="1" cellspacing="0" cellpadding="0" class="MsoTableGrid">']
    header = []
    for label, vals in rows:
        if label.startswith("第二十条"):
            out.append(f'<tr><td colspan="4" style="background:#d9d9d9">{label}</td></tr>')
            header = []
        elif vals is None:
            header.append(label)
            if label != "信息内容" and len(header) >= 2:
                pass
        else:
            if header:
                out.append("<tr>" + "".join(f"<td>{h}</td>" for h in header) + "</tr>")
                header = []
            out.append("<tr><td>" + label + "</td>" + "".join(cell(v) for v in vals) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def html_t3(template, values):
    labels = ROWS_2021 if template == "2021" else ROWS_2019
    out = ['<table border="1" cellspacing="0" cellpadding="0">',
           '<tr><td colspan="3" rowspan="3">（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td><td colspan="7">申请人情况</td></tr>',
           '<tr><td rowspan="2">自然人</td><td colspan="5">法人或其他组织</td><td rowspan="2">总计</td></tr>',
           "<tr><td>商业<br>企业</td><td>科研<br>机构</td><td>社会公益组织</td><td>法律服务机构</td><td>其他</td></tr>"]
    outcome_rows = len([l for l in labels if l not in GROUPS or (template == "2019" and l == "(六)其他处理")]) - 3
    group_sizes = {"(三)不予公开": 8, "(四)无法提供": 3, "(五)不予处理": 5, "(六)其他处理": 3}
    pending = ""
    for label in labels:
        if label == "三、本年度办理结果":
            pending = f'<td rowspan="{outcome_rows}">三、本年度办理结果</td>'
            continue
        if label in group_sizes and not (template == "2019" and label == "(六)其他处理"):
            pending += f'<td rowspan="{group_sizes[label]}">{label.replace("(", "（").replace(")", "）")}</td>'
            continue
        vals = next((v for k, v in values.items() if label.startswith(k)), ["0"] * 7)
        top = label.startswith(("一、", "二、", "四、"))
        if top:
            lab = f'<td colspan="3">{label}</td>'
        elif label.startswith("(") and not pending.count("rowspan=\"8\"") and label[:3] in ("(一)", "(二)", "(七)", "(六)"):
            lab = pending + f'<td colspan="2">{label.replace("(", "（").replace(")", "）")}</td>'
        else:
            lab = pending + f"<td>{label}</td>"
        pending = ""
        out.append("<tr>" + lab + "".join(cell(v) for v in vals) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def html_t4(vals):
    leaves = "<td>结果维持</td><td>结果纠正</td><td>其他结果</td><td>尚未审结</td><td>总计</td>"
    return ("<table border=\"1\">\n<tr><td colspan=\"5\">行政复议</td><td colspan=\"10\">行政诉讼</td></tr>\n"
            "<tr>" + leaves.replace("<td>", '<td rowspan="2">') + '<td colspan="5">未经复议直接起诉</td><td colspan="5">复议后起诉</td></tr>\n'
            "<tr>" + leaves * 2 + "</tr>\n<tr>" + "".join(cell(v) for v in vals) + "</tr>\n</table>")


def page(title, meta_rows, body, charset_decl, site="", extra_head=""):
    meta = "".join("<tr>" + "".join(f"<th>{k}：</th><td>{v}</td>" for k, v in row) + "</tr>" for row in meta_rows)
    return f"""<!DOCTYPE html>
<html><head>{charset_decl}
<title>{title}_{site}</title>{extra_head}
<script>document.write('<div class="ad">广告</div>');</script>
</head><body>
<div class="header"><a href="/">首页</a> | <a href="/zwgk/">政务公开</a> | <a href="/hdjl/">互动交流</a></div>
<div class="crumb">您的位置：<a href="/">首页</a> &gt; <a href="/xxgk/">政府信息公开</a> &gt; <a href="/xxgk/nb/">政府信息公开年报</a></div>
<table class="xxgk-meta">{meta}</table>
<div class="article"><h2>{title}</h2>
{body}
</div>
<div class="share">分享到：<a>微信</a> <a>微博</a></div>
<div class="footer">版权所有：{site} 网站标识码：4400000000</div>
</body></html>
"""


# --- t2019-html-blank-totals: every sub-row 总计 blank (B13), 2019 notes in labels, +19 ----------------------
v = {"一、": ["12", "3", "0", "0", "1", "0", B], "二、": ["1", "0", "0", "0", "0", "0", B],
     "(一)": ["6", "2", "0", "0", "0", "0", B], "(二)": ["2", "0", "0", "0", "1", "0", B],
     "3.危及": ["1", "0", "0", "0", "0", "0", B], "1.本机关不掌握": ["2", "1", "0", "0", "0", "0", B],
     "2.重复申请": ["1", "0", "0", "0", "0", "0", B], "(六)": ["0", "0", "0", "0", "0", "0", B],
     "(七)": ["12", "3", "0", "0", "1", "0", "16"], "四、": ["1", "0", "0", "0", "0", "0", "1"]}
for k in ["1.属于", "2.其他法律", "4.保护", "5.属于三类", "6.属于四类", "7.", "8.", "2.没有", "3.补正", "1.信访", "3.要求提供", "4.无正当", "5.要求行政"]:
    v[k] = ["0", "0", "0", "0", "0", "0", B]
t2rows = proactive_2019([["0", "0", "0"], ["3", "3", "41"], ["21", "+19", "40"], ["0", "0", "0"], ["15", "0", "9"], ["2", "0", "0"],
                         ["1", "0"], ["4", "18.6"]])
t2rows = [(("上一年项目数量 (指2019年事项数)" if l == "上一年项目数量" else "处理决定数量 (指2020年办件量)" if l == "处理决定数量" else l), vv) for l, vv in t2rows]
body = "\n".join([
    "<p>本年度报告根据《中华人民共和国政府信息公开条例》要求编制，统计期限为2020年1月1日至2020年12月31日。</p>",
    "<p><strong>一、总体情况</strong></p><p>2020年，我街道共收到政府信息公开申请16件（含上年结转1件），办结15件。</p>",
    "<p><strong>二、主动公开政府信息情况</strong></p>", html_t2_with_headers("2019", t2rows),
    "<p><strong>三、收到和处理政府信息公开申请情况</strong></p>", html_t3("2019", v),
    "<p><strong>四、政府信息公开行政复议、行政诉讼情况</strong></p>", html_t4(["0", "1", "0", "0", "1"] + ["0"] * 10),
    "<p><strong>五、存在的主要问题及改进情况</strong></p><p>依申请公开答复规范性有待提高。</p>",
    "<p><strong>六、其他需要报告的事项</strong></p><p>无。</p>",
    '<p style="text-align:right">重庆市渝中区大溪沟街道办事处</p><p style="text-align:right">2021年1月14日</p>'])
html = page("重庆市渝中区大溪沟街道办事处2020年政府信息公开工作年度报告",
            [[("索引号", "11500103MB1520178R/2021-00012"), ("发布机构", "大溪沟街道办事处")], [("成文日期", "2021-01-14"), ("发布日期", "2021-01-14")]],
            body, '<meta http-equiv="Content-Type" content="text/html; charset=utf-8">', site="重庆市渝中区人民政府")
write("t2019-html-blank-totals", "input.html", html)

# --- gb2312-label-gbk-chars: labelled gb2312, holds GBK-only 镕 and 堃 (libxml2 would cut the page) -----------
v = {"一、": ["4", "0", "0", "0", "0", "0", "4"], "(一)": ["3", "0", "0", "0", "0", "0", "3"],
     "1.本机关不掌握": ["1", "0", "0", "0", "0", "0", "1"], "(七)": ["4", "0", "0", "0", "0", "0", "4"]}
body = "\n".join([
    "<p>本报告由宁化县石壁镇人民政府编制，数据统计期限为2022年1月1日至2022年12月31日。如有疑问请与石壁镇党政办联系（联系人：黄镕堃，地址：宁化县石壁镇客家大道8号，电话：0598-6831234）。</p>",
    "<p>一、总体情况</p><p>2022年，我镇主动公开政府信息85条。镕钢片区征迁信息按规定公开。</p>",
    "<p>二、主动公开政府信息情况</p>", html_t2_with_headers("2021", proactive_2021([["0", "0", "0"], ["1", "0", "4"], "7", "2", "0", "0"])),
    "<p>三、收到和处理政府信息公开申请情况</p>", html_t3("2021", v),
    "<p>四、政府信息公开行政复议、行政诉讼情况</p>", html_t4(["0"] * 15),
    "<p>五、存在的主要问题及改进情况</p><p>公开栏目更新不够及时。</p>",
    "<p>六、其他需要报告的事项</p><p>本年度未收取信息处理费。</p>",
    "<p>宁化县石壁镇人民政府</p><p>2023年1月18日</p>"])
html = page("宁化县石壁镇人民政府2022年政府信息公开工作年度报告", [[("索引号", "003539876/2023-00004"), ("文号", "")]], body,
            '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">', site="宁化县人民政府")
write("gb2312-label-gbk-chars", "input.html", html, encoding="gbk")

# --- utf8-wrong-charset-header: UTF-8 bytes, HTTP header and <meta> both say gbk ----------------------------
v = {"一、": ["2", "1", "0", "0", "0", "0", "3"], "(一)": ["2", "0", "0", "0", "0", "0", "2"],
     "(二)": ["0", "1", "0", "0", "0", "0", "1"], "(七)": ["2", "1", "0", "0", "0", "0", "3"]}
body = "\n".join([
    "<p>根据《中华人民共和国政府信息公开条例》，现公布本局2023年度报告。统计期限自2023年1月1日至2023年12月31日。</p>",
    "<p>一、总体情况</p><p>全年主动公开信息210条。</p>", "<p>二、主动公开政府信息情况</p>",
    html_t2_with_headers("2021", proactive_2021([["0", "0", "0"], ["0", "0", "2"], "1,204", "56", "3", "12.5"])),
    "<p>三、收到和处理政府信息公开申请情况</p>", html_t3("2021", v), "<p>四、政府信息公开行政复议、行政诉讼情况</p>", html_t4(["0"] * 15),
    "<p>五、存在的主要问题及改进情况</p><p>无。</p><p>六、其他需要报告的事项</p><p>无。</p>",
    "<p>兴国县农业农村局</p><p>2024年1月10日</p>"])
html = page("兴国县农业农村局2023年政府信息公开工作年度报告", [[("发布机构", "兴国县农业农村局"), ("公开日期", "2024-01-10")]], body,
            '<meta http-equiv="Content-Type" content="text/html; charset=gbk">', site="兴国县人民政府")
write("utf8-wrong-charset-header", "input.html", html,
      sidecar={"url": "http://www.xingguo.gov.cn/xgxxxgk/xg77603/202401/a930bf32d9c4470099f1038fed420b4b.shtml",
               "retrieved_at": "2024-02-01T03:04:05Z", "content_type": "text/html; charset=GBK"})

# --- traditional-mirror: traditional characters and pinyin glosses (B21), full-width digits ----------------
v = {"一、": ["１", "0", "0", "0", "0", "0", "1"], "(一)": ["1", "0", "0", "0", "0", "0", "1"], "(七)": ["1", "0", "0", "0", "0", "0", "1"]}
t3 = html_t3("2021", v).replace("本年新收", "本年新收").replace("予以公开", "予以公開").replace("结转下年度继续办理", "結轉下年度繼續辦理")
t2 = html_t2_with_headers("2021", proactive_2021([["0", "0", "0"], ["0", "0", "0"], "3", "0", "0", "0.8"]))
t2 = t2.replace("第二十条第(一)项", "第二十條 第(一)項").replace("本年收费金额(单位:万元)", "本年收費金額(單位:萬元)").replace("行政事业性收费", "行政事業性收費")
body = "\n".join([
    "<p>本年度報告中所列數據統計期限從2021年1月1日到12月31日止。</p>",
    "<p>一、總體情況</p><p>2021年，本機(jī)構(gòu)主動公開政府信息40條。</p>", "<p>二、主動公開政府信息情況</p>", t2,
    "<p>三、收到和處理政府信息公開申請情況</p>", t3, "<p>四、政府信息公開行政復議、行政訴訟情況</p>", html_t4(["0"] * 15),
    "<p>五、存在的主要問題及改進情況</p><p>無。</p><p>六、其他需要報告的事項</p><p>無。</p>"])
html = page("某鎮人民政府2021年政府信息公開工作年度報告", [], body, '<meta charset="utf-8">', site="mirror")
write("traditional-mirror", "input.html", html)

# --- pre2019-prose: a 2017 report in the free-form prose layout (026/060) ----------------------------------
body = "\n".join([
    "<p>本报告根据《中华人民共和国政府信息公开条例》要求，由金华市农业局编制。报告中所列数据的统计期限自2017年1月1日起至2017年12月31日止。</p>",
    "<p>一、概述</p><p>2017年，我局认真贯彻落实《条例》，全年主动公开政府信息312条。</p>",
    "<p>二、主动公开政府信息情况</p><p>全年主动公开政府信息312条，其中规范性文件5件。</p>",
    "<p>三、依申请公开政府信息情况</p><p>全年共受理政府信息公开申请4件，均已按时答复。</p>",
    "<p>四、因政府信息公开申请行政复议、提起行政诉讼的情况</p><p>2017年未发生因政府信息公开申请行政复议、提起行政诉讼的情况。</p>",
    "<p>五、存在的主要问题及改进情况</p><p>信息公开的及时性有待提高。</p>",
    "<p>六、其他需要报告的事项</p><p>无。</p>", "<p>金华市农业局</p><p>2018年1月8日</p>"])
html = page("金华市农业局2017年度政府信息公开年度报告", [[("索引号", "002671456/2018-00003")]], body, '<meta charset="utf-8">', site="金华市农业局")
write("pre2019-prose", "input.html", html)

# --- contradictory-tables: reported values break the identities; nothing may be changed ------------------
v = {"一、": ["10", "2", "0", "0", "0", "0", "11"], "二、": ["1", "0", "0", "0", "0", "0", "1"],
     "(一)": ["6", "1", "0", "0", "0", "0", "7"], "(二)": ["2", "0", "0", "0", "0", "0", "2"],
     "1.本机关不掌握": ["1", "0", "0", "0", "0", "0", "1"], "(七)": ["9", "1", "0", "0", "0", "0", "10"],
     "四、": ["1", "1", "0", "0", "0", "0", "2"]}
body = "\n".join([
    "<p>本报告统计期限自2022年1月1日起至2022年12月31日止。</p>",
    "<p>一、总体情况</p><p>2022年共收到政府信息公开申请12件。</p>", "<p>二、主动公开政府信息情况</p>",
    html_t2_with_headers("2021", proactive_2021([["0", "0", "0"], ["1", "0", "9"], "35", "4", "0", "0"])),
    "<p>三、收到和处理政府信息公开申请情况</p>", html_t3("2021", v), "<p>四、政府信息公开行政复议、行政诉讼情况</p>",
    html_t4(["1", "0", "0", "1", "1"] + ["0"] * 10),
    "<p>五、存在的主要问题及改进情况</p><p>统计口径有待统一。</p><p>六、其他需要报告的事项</p><p>无。</p>",
    "<p>巴彦淖尔市临河区人民政府办公室</p><p>2023年1月30日</p>"])
html = page("巴彦淖尔市临河区人民政府办公室2022年政府信息公开工作年度报告", [], body, '<meta charset="utf-8">', site="临河区人民政府")
write("contradictory-tables", "input.html", html)

# --- not-a-report: valid HTML, a news page of the same site -------------------------------------------------
html = page("我区召开2024年政务公开工作推进会", [[("索引号", "11150802MB1234567X/2024-00031"), ("发布机构", "区政府办公室")]],
            "<p>3月12日，我区召开政务公开工作推进会，部署全年重点任务。会议要求各部门压实责任，提升公开质量。</p><p>会上，各部门负责人作了交流发言。</p>",
            '<meta charset="utf-8">', site="临河区人民政府")
write("not-a-report", "input.html", html)
print("ok html")
