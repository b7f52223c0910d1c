package plan

import "strings"

// Collective bodies are a class, not a body: 国务院相关部门, 相关部门和单位,
// 各地区, 联席会议成员单位. A clause keeps them as written (Task.Collective);
// they never become participants. The broadcast phrases (各部门, 各地区…)
// are collective too, and also expand to the bodies of their class.
var collectivePhrases = []string{"国务院相关部门", "相关部门和单位", "有关部门和单位", "相关部门", "相关单位", "相关地区",
	"有关单位", "联席会议成员单位", "中央和国家机关有关部门", "中央有关部门", "各有关方面", "有关方面", "各级政府",
	"地方各级政府", "各省级人民政府有关部门", "相关行业主管部门", "行业主管部门", "各有关单位"}

// collectivePrefixes open the name of a class of bodies.
var collectivePrefixes = []string{"各", "有关", "相关", "国务院相关", "国务院有关", "国务院各"}

// isCollective reports whether u names a class of bodies rather than one.
func isCollective(u string) bool {
	for _, p := range collectivePhrases {
		if u == p {
			return true
		}
	}
	for _, p := range collectivePrefixes {
		if strings.HasPrefix(u, p) {
			return true
		}
	}
	return strings.HasSuffix(u, "成员单位")
}

// cutLast cuts s around the last sep.
func cutLast(s, sep string) (before, after string, ok bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}
