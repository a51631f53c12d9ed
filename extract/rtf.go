package extract

import (
	"strconv"
	"strings"

	"golang.org/x/text/encoding/charmap"
)

// rtfSkip are destinations whose content is not document text: tables of
// fonts, colours and styles, metadata, pictures, embedded objects and
// field instructions.
var rtfSkip = map[string]bool{
	"fonttbl": true, "colortbl": true, "stylesheet": true, "info": true, "pict": true,
	"object": true, "themedata": true, "colorschememapping": true, "latentstyles": true,
	"datastore": true, "xmlnstbl": true, "rsidtbl": true, "listtable": true,
	"listoverridetable": true, "generator": true, "mmathPr": true, "fldinst": true,
	"filetbl": true, "revtbl": true, "pgdsctbl": true, "bkmkstart": true, "bkmkend": true,
	"xe": true, "tc": true, "nonshppict": true, "blipuid": true, "fontemb": true, "fontfile": true,
	"listtext": false,
}

// maxRTFDepth bounds group nesting, so a file of a million "{" costs a
// counter, not a stack.
const maxRTFDepth = 1000

// parseRTF reads Rich Text Format: paragraphs, tabs, table cells and rows,
// \'hh bytes in the document's code page, and \uN Unicode characters with
// their fallbacks skipped. Headers, footers and footnotes are kept in place.
func parseRTF(data []byte) Result {
	type group struct {
		skip bool
		uc   int // fallback characters after \uN
	}
	stack := []group{{uc: 1}}
	cp := charmap.Windows1252
	var b strings.Builder
	skipFallback := 0
	var pendingBytes []byte
	flush := func() {
		if len(pendingBytes) > 0 {
			s, err := cp.NewDecoder().Bytes(pendingBytes)
			if err == nil {
				b.Write(s)
			}
			pendingBytes = pendingBytes[:0]
		}
	}
	emit := func(s string) {
		top := stack[len(stack)-1]
		if top.skip {
			return
		}
		flush()
		b.WriteString(s)
	}
	i := 0
	for i < len(data) {
		c := data[i]
		switch c {
		case '{':
			if len(stack) >= maxRTFDepth {
				return failed(TypeRTF, "groups nested more than %d deep", maxRTFDepth)
			}
			stack = append(stack, stack[len(stack)-1])
			i++
			// "{\*\dest": an optional destination foidesk does not know.
			if i+2 < len(data) && data[i] == '\\' && data[i+1] == '*' {
				stack[len(stack)-1].skip = true
			}
			continue
		case '}':
			if len(stack) > 1 {
				stack = stack[:len(stack)-1]
			}
			i++
			continue
		case '\r', '\n':
			i++
			continue
		case '\\':
			i++
			if i >= len(data) {
				break
			}
			c = data[i]
			switch {
			case c == '\'':
				if i+2 < len(data) {
					if v, err := strconv.ParseUint(string(data[i+1:i+3]), 16, 8); err == nil {
						if skipFallback > 0 {
							skipFallback--
						} else if !stack[len(stack)-1].skip {
							pendingBytes = append(pendingBytes, byte(v))
						}
					}
				}
				i += 3
				continue
			case isAlpha(c):
				start := i
				for i < len(data) && isAlpha(data[i]) {
					i++
				}
				word := string(data[start:i])
				num, hasNum := 0, false
				nstart := i
				if i < len(data) && (data[i] == '-' || isDigit(data[i])) {
					i++
					for i < len(data) && isDigit(data[i]) {
						i++
					}
					num, _ = strconv.Atoi(string(data[nstart:i]))
					hasNum = true
				}
				if i < len(data) && data[i] == ' ' {
					i++
				}
				top := &stack[len(stack)-1]
				switch word {
				case "par", "line", "sect", "page":
					emit("\n")
				case "tab":
					emit("\t")
				case "cell":
					emit("\t")
				case "row":
					emit("\n")
				case "emdash":
					emit("—")
				case "endash":
					emit("–")
				case "lquote":
					emit("‘")
				case "rquote":
					emit("’")
				case "ldblquote":
					emit("“")
				case "rdblquote":
					emit("”")
				case "bullet":
					emit("•")
				case "uc":
					if hasNum {
						top.uc = num
					}
				case "u":
					if hasNum {
						if num < 0 {
							num += 65536
						}
						emit(string(rune(num)))
						skipFallback = top.uc
					}
				case "ansicpg":
					if m := codePage(num); m != nil {
						cp = m
					}
				case "bin":
					if hasNum && num > 0 {
						i += num
					}
				default:
					if rtfSkip[word] {
						top.skip = true
					}
				}
				continue
			default:
				// Control symbols: \\ \{ \} literal, \~ non-breaking space,
				// \- optional hyphen, \_ non-breaking hyphen, \* handled above.
				switch c {
				case '\\', '{', '}':
					emit(string(c))
				case '~':
					emit(" ")
				case '_':
					emit("-")
				}
				i++
				continue
			}
		}
		if skipFallback > 0 {
			skipFallback--
			i++
			continue
		}
		if !stack[len(stack)-1].skip {
			pendingBytes = append(pendingBytes, c)
		}
		i++
	}
	flush()
	return Result{Engine: EngineGo, Pages: []Page{{Number: 1, Text: tidyCells(b.String())}}}
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func codePage(n int) *charmap.Charmap {
	switch n {
	case 1250:
		return charmap.Windows1250
	case 1251:
		return charmap.Windows1251
	case 1252:
		return charmap.Windows1252
	case 1253:
		return charmap.Windows1253
	case 1254:
		return charmap.Windows1254
	case 1257:
		return charmap.Windows1257
	case 437:
		return charmap.CodePage437
	case 850:
		return charmap.CodePage850
	case 10000:
		return charmap.Macintosh
	}
	return nil
}
