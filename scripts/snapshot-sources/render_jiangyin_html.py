#!/usr/bin/env python3
"""Render the Jiangyin Lingang 2023 report (samples/jiangyin-lingang-2023.txt) as a realistic
GBK-encoded CMS page: site furniture, a metadata table, Word-pasted <span> markup, the three
statistical tables with the national template's rowspan/colspan structure, blank cells where the
text copy dropped them, a layout table around the article and a malformed colspan.

Run once to (re)create Snapshots/jiangyin-2023-html-gbk/input.html. The expected output was
checked by hand against the text sample; its `tables` must equal the text case's."""
import sys, pathlib

out = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "Snapshots/jiangyin-2023-html-gbk/input.html")
B = None  # blank cell

def span(t, size="12pt", font="仿宋_GB2312"):
    return f'<span style="font-size:{size};font-family:{font};mso-bidi-font-family:\'Times New Roman\'">{t}</span>'

def td(content, attrs="", width=47):
    if content is None:
        inner = '<p class="MsoNormal" align="center" style="text-align:center"><span style="font-size:10.5pt">&nbsp;</span></p>'
    else:
        parts = content.split("\n")
        inner = "".join(f'<p class="MsoNormal" align="center" style="text-align:center">{span(p, "10.5pt", "宋体")}</p>' for p in parts)
    return f'<td width="{width}" {attrs} style="border:solid windowtext 1.0pt;padding:0cm 5.4pt 0cm 5.4pt">{inner}</td>'

def para(t):
    return f'<p class="MsoNormal" style="text-indent:32.0pt;line-height:28.0pt">{span(t)}</p>\n'

lines = pathlib.Path("../shared/samples/jiangyin-lingang-2023.txt").read_text(encoding="utf-8").split("\n")
def between(a, b):
    i = next(k for k, l in enumerate(lines) if l.strip().startswith(a))
    j = next(k for k, l in enumerate(lines) if k > i and l.strip().startswith(b))
    return [l.strip() for l in lines[i + 1:j] if l.strip()]

overview = between("一、总体情况", "二、主动公开政府信息情况")
problems = between("五、存在主要问题及改进情况", "六、其他需要报告的事项")
preamble = next(l.strip() for l in lines if l.strip().startswith("本年度报告是根据"))
apps_prose = next(l.strip() for l in lines if l.strip().startswith("加强依申请公开工作"))

h = []
h.append('<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">')
h.append('<html xmlns="http://www.w3.org/1999/xhtml"><head>')
h.append('<meta http-equiv="Content-Type" content="text/html; charset=gbk" />')
h.append('<title>2023年政府信息公开工作年度报告</title>')
h.append('<meta name="ArticleTitle" content="2023年政府信息公开工作年度报告">')
h.append('<link rel="stylesheet" href="/images/style.css"><script type="text/javascript">var _hmt = _hmt || []; function doZoom(s){document.getElementById("zoom").style.fontSize=s+"px";} if (a < b && c > d) { x = "<table><tr><td>not a table</td></tr></table>"; }</script>')
h.append('<style>td.MsoNormal{font-size:10.5pt} p{margin:0}</style></head><body>')
h.append('<div class="top"><div class="logo"><img src="/images/logo.png" alt="江阴市人民政府"></div>')
h.append('<ul class="nav"><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li><li><a href="/hdjl/">互动交流</a></li><li><a href="/bsfw/">办事服务</a></li></ul></div>')
h.append('<div class="column-name">临港经济开发区</div>')
h.append('<div class="position">当前位置：<a href="/">首页</a>&nbsp;&gt;&nbsp; <a href="/lg/">临港经济开发区</a> &gt; <a href="/lg/xxgk/">信息公开</a> &gt; <a href="/lg/xxgk/nb/">政府信息公开工作年度报告</a></div>')
h.append('<table width="1000" border="0" cellspacing="0" cellpadding="0" class="layout"><tr><td valign="top">')
h.append('<table class="xxgk_table" width="100%" border="0" cellpadding="0" cellspacing="1">')
meta = [("信息索引号", "01404053X/2024-00175", "生成日期", "2024-01-22", "公开日期", "2024-01-22"),
        ("文件编号", "", "公开时限", "长期公开", "发布机构", "临港经济开发区党政办公室"),
        ("公开形式", "网站", "公开方式", "主动公开", "公开范围", "面向社会"),
        ("有效期", "长期", "公开程序", "部门内部审核后公开", "体裁", "报告"),
        ("主题(一级)", "综合政务", "主题(二级)", "电子政务", "关键词", "总结,报告,公开,政府网站")]
for row in meta:
    h.append("<tr>" + "".join(f'<td class="{"t1" if k % 2 == 0 else "t2"}">{c if c else "&nbsp;"}</td>' for k, c in enumerate(row)) + "</tr>")
h.append('<tr><td class="t1">效力状况</td><td class="t2">有效</td><td class="t1">文件下载</td><td class="t2" colspan="3">&nbsp;</td></tr>')
h.append('<tr><td class="t1">内容概述</td><td class="t2" colspan="5">2023年政府信息公开工作年度报告</td></tr>')
h.append('</table>')
h.append('<div class="article"><h1 class="title">2023年政府信息公开工作年度报告</h1>')
h.append('<div id="zoom" class="content">')
h.append(para(preamble))
h.append(f'<p class="MsoNormal"><b>{span("一、总体情况", font="黑体")}</b></p>\n')
for l in overview:
    h.append(para(l))
h.append(f'<p class="MsoNormal"><b>{span("二、主动公开政府信息情况", font="黑体")}</b></p>\n')

def t2_block(title, headers, rows):
    ncol = 1 + len(headers)
    colspan = 'colspan="%d"' % ncol
    x = ['<tr>' + td(title, colspan, 568) + '</tr>', "<tr>" + td("信息内容", "", 140) + "".join(td(x) for x in headers) + "</tr>"]
    for label, vals in rows:
        x.append("<tr>" + td(label, "", 140) + "".join(td(v) for v in vals) + "</tr>")
    return x

t2 = ['<table class="MsoNormalTable" border="1" cellspacing="0" cellpadding="0" width="568" style="border-collapse:collapse">']
t2 += t2_block("第二十条第（一）项", ["本年制发件数", "本年废止件数", "现行有效件数"], [("规章", ["0", "0", "0"]), ("行政规范性文件", ["0", "0", "0"])])
t2 += t2_block("第二十条第（五）项", ["本年处理决定数量"], [("行政许可", ["0"])])
t2 += t2_block("第二十条第（六）项", ["本年处理决定数量"], [("行政处罚", ["0"]), ("行政强制", ["0"])])
t2 += t2_block("第二十条第（八）项", ["本年收费金额（单位：万元）"], [("行政事业性收费", ["0"])])
t2.append("</table>")
h.append("\n".join(t2))
h.append(f'<p class="MsoNormal"><b>{span("三、收到和处理政府信息公开申请情况", font="黑体")}</b></p>\n')
h.append(para(apps_prose))

Z6 = ["0", "0", "0", "0", "0", B, "0"]
rows3 = [
    ('<td colspan="3">一、本年新收政府信息公开申请数量</td>', ["16", "0", "0", "0", B, B, "16"]),
    ('<td colspan="3">二、上年结转政府信息公开申请数量</td>', ["0", "0", "0", B, B, B, "0"]),
    ('<td rowspan="22" width="30">三、本<br/>年度办<br/>理结果</td><td colspan="2">（一）予以公开</td>', ["16", "0", "0", "0", B, B, "16"]),
    ('<td colspan="2">（二）部分公开（区分处理的，只计这一情形，不计其他情形）</td>', Z6),
    ('<td rowspan="8">（三）不予公开</td><td>1．属于国家秘密</td>', ["0"] * 7),
    ('<td>2．其他法律行政法规禁止公开</td>', ["0"] * 7),
    ('<td>3．危及“三安全一稳定”</td>', ["0", "0", "0", B, B, B, "0"]),
    ('<td>4．保护第三方合法权益</td>', Z6),
    ('<td>5．属于三类内部事务信息</td>', ["0", "0", B, B, B, B, "0"]),
    ('<td>6．属于四类过程性信息</td>', ["0", "0", "0", B, B, B, "0"]),
    ('<td>7．属于行政执法案卷</td>', Z6),
    ('<td>8．属于行政查询事项</td>', Z6),
    ('<td rowspan="3">（四）无法提供</td><td>1．本机关不掌握相关政府信息</td>', Z6),
    ('<td>2．没有现成信息需要另行制作</td>', Z6),
    ('<td>3．补正后申请内容仍不明确</td>', Z6),
    ('<td rowspan="5">（五）不予处理</td><td>1．信访举报投诉类申请</td>', Z6),
    ('<td>2．重复申请</td>', Z6),
    ('<td>3．要求提供公开出版物</td>', Z6),
    ('<td>4．无正当理由大量反复申请</td>', Z6),
    ('<td>5．要求行政机关确认或重新出具已获取信息</td>', Z6),
    ('<td rowspan="3">（六）其他处理</td><td>1．申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请</td>', Z6),
    ('<td>2．申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请</td>', Z6),
    ('<td>3．其他</td>', Z6),
    ('<td colspan="2">（七）总计</td>', ["16", "0", "0", "0", "0", B, "16"]),
    ('<td colspan="3">四、结转下年度继续办理</td>', Z6),
]
t3 = ['<table class="MsoNormalTable" border="1" cellspacing="0" cellpadding="0" style="border-collapse:collapse">',
      '<tr><td colspan="3" rowspan="3"><p>（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</p></td><td colspan="7">申请人情况</td></tr>',
      '<tr><td rowspan="2">自然人</td><td colspan="5">法人或其他组织</td><td rowspan="2">总计</td></tr>',
      "<tr>" + td("商业\n企业") + td("科研\n机构") + td("社会公益组织") + td("法律服务机构") + td("其他") + "</tr>"]
for label, vals in rows3:
    t3.append("<tr>" + label + "".join(td(v) for v in vals) + "</tr>")
t3.append("</table>")
h.append("\n".join(t3))
h.append(f'<p class="MsoNormal"><b>{span("四、政府信息公开行政复议、行政诉讼情况", font="黑体")}</b></p>\n')
leaves = ["结果<br>维持", "结果<br>纠正", "其他<br>结果", "尚未<br>审结", "总计"]
t4 = ['<table class="MsoNormalTable" border="1" cellspacing="0" cellpadding="0" style="border-collapse:collapse">',
      '<tr><td colspan="5;">行政复议</td><td colspan="10">行政诉讼</td></tr>',
      "<tr>" + "".join(f'<td rowspan="2">{l}</td>' for l in leaves) + '<td colspan="5">未经复议直接起诉</td><td colspan="5">复议后起诉</td></tr>',
      "<tr>" + "".join(f"<td>{l}</td>" for l in leaves * 2) + "</tr>",
      "<tr>" + "".join(td("0", "", 37) for _ in range(15)) + "</tr>", "</table>"]
h.append("\n".join(t4))
h.append(f'<p class="MsoNormal"><b>{span("五、存在主要问题及改进情况", font="黑体")}</b></p>\n')
for l in problems:
    h.append(para(l))
h.append(f'<p class="MsoNormal"><b>{span("六、其他需要报告的事项", font="黑体")}</b></p>\n')
h.append(para("2023年,临港经济开发区未收取信息处理费。此外,无其他区需要报告情况。"))
h.append('<p class="MsoNormal" align="right" style="text-align:right">' + span("临港经济开发区党政办公室") + "</p>")
h.append('<p class="MsoNormal" align="right" style="text-align:right">' + span("20241") + "</p>")
h.append('</div></div></td></tr></table>')
h.append('<div class="tools"><a href="javascript:window.print()">【打印】</a> <a href="javascript:window.close()">【关闭】</a></div>')
h.append('<div class="footer"><p>主办单位：江阴市人民政府办公室</p><p>网站标识码：3202810001 苏ICP备05004563号</p></div>')
h.append('</body></html>')
out.parent.mkdir(parents=True, exist_ok=True)
out.write_bytes("\n".join(h).encode("gbk"))
print(out, out.stat().st_size)
