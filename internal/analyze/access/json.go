package access

import (
	"strconv"
	"unicode/utf8"
)

// At 5,000 people and 500 accounts the matrix is over a gigabyte of JSON,
// and encoding/json's reflection took most of the time writing it: an entry
// writes its own, byte for byte what json.MarshalIndent(e, "  ", "  ")
// writes for it (TestEntryJSONIsEncodingJSONs, FuzzEntryJSON).

// AppendJSONElement appends the entry as an element of an indented JSON
// array (jsonstream.Appender): as json.MarshalIndent(e, "  ", "  ").
func (e Entry) AppendJSONElement(b []byte) []byte {
	o := object{b: b}
	o.str("user", e.User)
	o.str("userArn", e.UserARN)
	o.str("userKind", e.UserKind)
	o.str("type", e.Type)
	o.str("account", e.Account)
	o.str("accountId", e.AccountID)
	if e.Role != "" {
		o.str("role", e.Role)
	}
	if e.RoleARN != "" {
		o.str("roleArn", e.RoleARN)
	}
	if e.Capability != "" {
		o.str("capability", e.Capability)
	}
	o.key("mfa")
	o.b = strconv.AppendBool(o.b, e.MFA)
	if e.MaxSessionSeconds != 0 {
		o.key("maxSessionSeconds")
		o.b = strconv.AppendInt(o.b, int64(e.MaxSessionSeconds), 10)
	}
	if len(e.Through) > 0 {
		o.strs("through", e.Through)
	}
	o.strs("via", e.Via)
	if len(e.SignIn) > 0 {
		o.strs("signIn", e.SignIn)
	}
	o.key("findings")
	switch {
	case e.Findings == nil:
		o.b = append(o.b, "null"...)
	case len(e.Findings) == 0:
		o.b = append(o.b, "[]"...)
	default:
		o.b = append(o.b, '[')
		for i, f := range e.Findings {
			if i > 0 {
				o.b = append(o.b, ',')
			}
			o.newline(o.depth + 2)
			o.b = f.appendJSON(o.b, o.depth+2)
		}
		o.newline(o.depth + 1)
		o.b = append(o.b, ']')
	}
	return o.end()
}

// appendJSON appends the finding as an object at depth.
func (f Finding) appendJSON(b []byte, depth int) []byte {
	o := object{b: b, depth: depth}
	o.str("principal", f.Principal)
	o.str("principalArn", f.PrincipalARN)
	o.str("method", f.Method)
	o.str("action", f.Action)
	o.str("target", f.Target)
	if len(f.Steps) > 0 {
		o.strs("steps", f.Steps)
	}
	if f.ByDesign != "" {
		o.str("byDesign", f.ByDesign)
	}
	return o.end()
}

// object writes the members of a JSON object whose braces are at a depth
// of indentation (its members one deeper), each line led by the array's
// prefix and two spaces a level.
type object struct {
	b       []byte
	depth   int
	members int
}

func (o *object) newline(depth int) {
	o.b = append(o.b, '\n', ' ', ' ')
	for range depth {
		o.b = append(o.b, ' ', ' ')
	}
}

func (o *object) key(k string) {
	if o.members == 0 {
		o.b = append(o.b, '{')
	} else {
		o.b = append(o.b, ',')
	}
	o.members++
	o.newline(o.depth + 1)
	o.b = appendString(o.b, k)
	o.b = append(o.b, ':', ' ')
}

func (o *object) str(k, v string) {
	o.key(k)
	o.b = appendString(o.b, v)
}

// strs writes a list of strings: null when nil, as encoding/json does.
func (o *object) strs(k string, vs []string) {
	o.key(k)
	switch {
	case vs == nil:
		o.b = append(o.b, "null"...)
	case len(vs) == 0:
		o.b = append(o.b, "[]"...)
	default:
		o.b = append(o.b, '[')
		for i, v := range vs {
			if i > 0 {
				o.b = append(o.b, ',')
			}
			o.newline(o.depth + 2)
			o.b = appendString(o.b, v)
		}
		o.newline(o.depth + 1)
		o.b = append(o.b, ']')
	}
}

func (o *object) end() []byte {
	if o.members == 0 {
		return append(o.b, '{', '}')
	}
	o.newline(o.depth)
	return append(o.b, '}')
}

// appendString appends s as a JSON string, escaped as encoding/json escapes
// it by default: quotes, backslashes and control characters, the HTML
// characters <, > and &, invalid UTF-8 as U+FFFD, and U+2028 and U+2029.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
