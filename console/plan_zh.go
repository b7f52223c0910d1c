package console

import (
	"regexp"
	"strings"
)

// The plan importer reports in English (its warnings and errors are also
// the CLI's and the API's). The console's upload preview shows them in
// Chinese: each known message form has a rule here, and a test keeps the
// rules in step with what the importer says about real documents. A
// message no rule knows is shown as it is, after a Chinese lead-in.

// zhRule rewrites one message form.
type zhRule struct {
	re *regexp.Regexp
	zh string // with $1… for the submatches
}

// q matches a Go-quoted string (%q) and captures its inside.
const q = `"((?:[^"\\]|\\.)*)"`

func rules(pairs ...string) []zhRule {
	out := make([]zhRule, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, zhRule{regexp.MustCompile(`^` + pairs[i] + `$`), pairs[i+1]})
	}
	return out
}

var planRules = rules(
	// Warnings.
	`line (\d+): heading re-read from mis-decoded bytes as section (\d+) `+q,
	`第 $1 行：标题由错码字节重新识别为第 $2 部分“$3”`,
	`line (\d+): section (\d+) heading is damaged \((.*)\); only `+q+` was recovered: correct its title before launch \(--section-title \d+=TITLE\)`,
	`第 $1 行：第 $2 部分标题受损（$3），仅识别出“$4”：启动前请更正标题`,
	`line (\d+): damaged heading `+q+` holds no tasks; dropped`,
	`第 $1 行：受损标题“$2”下没有任务，已略去`,
	`line (\d+): heading (.*) holds no tasks: kept as context, not a section`,
	`第 $1 行：标题 $2 下没有任务，作为背景段落保留，不计为部分`,
	`line (\d+): item (.*) names no responsible body: kept as context, not a task`,
	`第 $1 行：条目 $2 未写明负责单位，作为背景段落保留，不计为任务`,
	`line (\d+): task (\S+) has (\d+) responsibility clauses: all their bodies are kept; the first clause's first body leads, the others are co-responsible`,
	`第 $1 行：任务 $2 有 $3 处分工表述：所列单位全部保留，第一处所列第一个单位牵头，其余为负责单位`,
	`line (\d+): the document states its lead rule, `+q+`: the first body listed leads`,
	`第 $1 行：文件写明牵头规则“$2”：排在第一位的单位牵头`,
	`line (\d+): a paragraph with a responsibility clause has no number \(lost, or a sub-paragraph\): taken as task (\S+)`,
	`第 $1 行：含分工表述的段落没有编号（编号缺失或为分段），按任务 $2 处理`,
	`line (\d+): the document numbers its items on across sections or after context \(item (.*) is task (\S+)\); task numbers restart in each section, the document's numbers are kept in original_no`,
	`第 $1 行：文件跨部分或在背景段落之后连续编号（条目 $2 即任务 $3）；任务编号在每个部分重新起算，原编号另行保留`,
	`line (\d+): item numbered (.*) is task (\S+)`,
	`第 $1 行：编号为 $2 的条目即任务 $3`,
	`line (\d+): task (\S+): `+q+` is not in the registry; kept as written, as an unknown participant`,
	`第 $1 行：任务 $2：“$3”不在部门名录中，按原文保留为未知参与单位`,
	`line (\d+): item (.*) has no responsibility clause at its end, such as （A、B等负责）: kept as context, not a task`,
	`第 $1 行：条目 $2 末尾没有分工表述（如“（A、B等负责）”），作为背景段落保留，不计为任务`,
	`line (\d+): task (\S+) names only collective bodies \((.*)\): the office assigns it before launch`,
	`第 $1 行：任务 $2 只写明了集体性主体（$3）：启动前由办公室指定承办单位`,
	`line (\d+): task (\S+): `+q+` is not in the registry; read as (\S+) \((\S+)\), its nearest name: correct it if that is wrong`,
	`第 $1 行：任务 $2：“$3”不在部门名录中，按最相近的名称读作$4（$5）：如有误请更正`,
	`line (\d+): task (\S+): (\S+) became (\S+) in (\d+); the task goes to (\S+)`,
	`第 $1 行：任务 $2：$3 已于 $5 年改为 $4，任务由 $6 承办`,
	`line (\d+): task (\S+): `+q+` is not in the registry \(nearest: (.*)\): choose a body or accept it as new before launch`,
	`第 $1 行：任务 $2：“$3”不在部门名录中（相近名称：$4）：启动前请选定单位，或作为新单位接受`,
	`line (\d+): item (.*): （(.*)） reads like a responsibility clause but names no body the importer can read: check it`,
	`第 $1 行：条目 $2：“（$3）”像是分工表述，但未能读出负责单位：请核对`,
	`(\d+) more warnings like the ones above \((\S+)\) left out`,
	`另有 $1 条同类提示（$2）从略`,
	`the numbering repeats: (\d+) numbers are not higher than the one before them \(the first at line (\d+)\); the document may hold the same text more than once, giving (\d+) tasks: check it before launch`,
	`编号重复：有 $1 处编号不大于前一个（首处在第 $2 行）；文件可能含有重复内容，共得到 $3 项任务：启动前请核对`,
	// Errors.
	`parse plan: document is (\d+) bytes; the limit is (\d+)`,
	`文件大小为 $1 字节，超过上限 $2 字节`,
	`parse plan: no tasks found: no numbered item ends with a responsibility clause such as （A、B等负责）`,
	`未找到任务：没有以分工表述（如“（A、B等负责）”）结尾的编号条目`,
	`parse plan: no tasks found: the numbered items name no responsible body, such as （A、B等负责）`,
	`未找到任务：编号条目均未写明负责单位（如“（A、B等负责）”）`,
	`parse plan: line (\d+): task (\S+) has no responsibility clause at its end, such as （A、B等负责）`,
	`第 $1 行：任务 $2 末尾没有分工表述（如“（A、B等负责）”）`,
	`parse plan: (?:body is|bodies are) not in the ministry registry: (.*); fix the document or pass --allow-unknown to keep them as written`,
	`以下单位不在部门名录中：$1；请修改文件后重新导入`,
	`parse plan: document is neither UTF-8 nor GB18030: (.*)`,
	`文件既不是 UTF-8 也不是 GB18030 编码（$1）`,
	`parse plan: \d+ (?:body is|bodies are) not in the ministry registry: (.*); fix the document or pass --allow-unknown to keep them as written`,
	`以下单位不在部门名录中：$1；请修改文件后重新导入`,
	`plan (\S+): damaged headings: (.*); correct each title first \(CLI: --section-title N=TITLE\)`,
	`规划 $1 有受损标题尚未更正：$2；请逐一更正后再启动`,
	`plan (\S+): (\d+) unresolved problems: (.*); choose a body for each \(CLI: --body NAME=BODY, or --allow-unknown to accept them as written\)`,
	`规划 $1 有 $2 处问题尚未解决：$3；请逐一处理后再启动`,
	`the plan is empty`,
	`文件为空`,
	`plan_id is required for a document \(\?plan_id=…\)`,
	`导入文档须填写规划编号`,
	`the plan was not launched, (\d+) problem\(s\): (.*)`,
	`规划未启动，共 $1 处问题：$2`,
)

// Pieces inside messages: damage descriptions, warning kinds, starter
// problems, and the words "line"/"task"/"nearest" in the unknown-body list.
var pieceRules = []struct{ from, to string }{
	{"undecodable byte run(s)", "处无法解码的字节"},
	{"a pinyin gloss without its character", "拼音注音缺少对应汉字"},
	{"the line does not re-read", "该行无法重新识别"},
	{"implausible character(s) dropped", "个不合理的字符已删去"},
	{"number lost, inferred from order", "序号缺失，按顺序推定"},
	{"is not a character of official text: bytes of two characters fused", "不是公文用字：两个字的字节粘连"},
	{"(damaged)", "（标题受损）"}, {"(recovered)", "（标题重新识别）"}, {"(context)", "（背景段落）"},
	{"(inferred)", "（推定编号）"}, {"(item-number)", "（条目编号）"}, {"(merged)", "（分工合并）"}, {"(unassigned)", "（待指定承办单位）"}, {"(ambiguous)", "（分工表述存疑）"},
	{") names only collective bodies (", " 行）只写明了集体性主体（"}, {"): assign it to a body", "）：请指定承办单位"},
	{") is not in the registry", "）不在部门名录中"},
	{"; nearest: ", "；相近名称："}, {" (line ", "（第 "}, {", task ", " 行，任务 "},
	{"is listed twice", "重复列出"}, {"is not in the registry of bodies", "不在部门名录中"},
	{"is not among the participants", "不在参与单位之中"}, {"is not in the future", "早于当前时间"},
	{"the plan has no tasks", "规划没有任务"}, {"participant ", "参与单位 "}, {"the lead ", "牵头单位 "},
	{"task ", "任务 "}, {"; ", "；"},
}

// planZh is a plan message in Chinese; one it has no rule for keeps its
// words after a Chinese lead-in.
func planZh(msg string) string {
	msg = strings.TrimSpace(msg)
	if lines := strings.Split(msg, "\n"); len(lines) > 1 {
		// Several refusals joined: each reads on its own.
		for i, l := range lines {
			lines[i] = planZh(l)
		}
		return strings.Join(lines, "\n")
	}
	for _, r := range planRules {
		if r.re.MatchString(msg) {
			return zhPieces(r.re.ReplaceAllString(msg, r.zh))
		}
	}
	return "（导入程序原文）" + msg
}

var (
	sectionReads = regexp.MustCompile(`section (\d+) \(line (\d+)\) reads only `)
	quoted       = regexp.MustCompile(`"([^"]*)"`)
)

// zhPieces puts the English pieces of a message in Chinese: a damaged
// heading's description, a warning kind, the words of a list of problems.
func zhPieces(s string) string {
	s = sectionReads.ReplaceAllString(s, "第 $1 部分（第 $2 行）仅识别出")
	s = quoted.ReplaceAllString(s, "“$1”")
	for _, p := range pieceRules {
		s = strings.ReplaceAll(s, p.from, p.to)
	}
	return s
}
