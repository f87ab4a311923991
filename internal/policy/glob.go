package policy

// Glob matches s against an IAM pattern, where * matches any run of
// characters and ? any single character: the one matcher of actions and
// resources that the evaluator and the catalog share.
func Glob(pattern, s string) bool { return globWith(pattern, s, false) }

// GlobFold is Glob ignoring ASCII case, as IAM compares action names.
func GlobFold(pattern, s string) bool { return globWith(pattern, s, true) }

func globWith(pattern, s string, fold bool) bool {
	px, sx := 0, 0
	star, mark := -1, 0
	for sx < len(s) {
		switch {
		case px < len(pattern) && (pattern[px] == '?' || pattern[px] == s[sx] || fold && lower(pattern[px]) == lower(s[sx])):
			px++
			sx++
		case px < len(pattern) && pattern[px] == '*':
			star, mark = px, sx
			px++
		case star >= 0:
			px = star + 1
			mark++
			sx = mark
		default:
			return false
		}
	}
	for px < len(pattern) && pattern[px] == '*' {
		px++
	}
	return px == len(pattern)
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
