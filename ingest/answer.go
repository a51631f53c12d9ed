package ingest

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"foidesk/store/mail"
)

// Two kinds of answer besides a response: a refusal, with the exemptions or
// the cost limit the letter cites, and a reply that the information is
// already published (s.21 FOIA, s.25 FOISA, reg 6(1)(b) EIR), with where.
// For the statutory clock both are responses; the detail is what a reviewer
// and the report want to know. Section numbers mean different things in
// different Acts (s.31 of the Children Act is a care order, not law
// enforcement), so a section counts only with words of the FOI regime
// around it.

var (
	// sections 40 and 43; s.12(1); section 40(2) and (3)
	sectionCiteRe  = regexp.MustCompile(`(?i)\b(?:sections?|ss?\.)\s?(\d{1,2})((?:\s*\(\s*[0-9a-z]{1,2}\s*\))*(?:\s*(?:,|and|&|or)\s*\d{1,2}(?:\s*\(\s*[0-9a-z]{1,2}\s*\))*)*)`)
	moreSectionsRe = regexp.MustCompile(`(?i)(?:,|and|&|or)\s*(\d{1,2})`)
	// regulation 12(4)(b); reg 13; regulation 6(1)(b)
	regulationCiteRe = regexp.MustCompile(`(?i)\b(?:regulations?|regs?\.?)\s?(\d{1,2})\s*(?:\(\s*(\d)\s*\))?\s*(?:\(\s*([a-g])\s*\))?`)
	// words of the FOI regime near a citation
	foiContextRe = regexp.MustCompile(`(?i)(exempt|exemption|withh[eo]ld|refus|freedom of information|\bfoi(?:a|sa)?\b|\beir\b|environmental information|the act\b|engag|cost|appropriate limit|personal (?:data|information)|vexatious|repeated|commercial|prejudice|reasonably accessible|otherwise accessible|publicly available|already published|public domain|public interest)`)
	// "of the Children Act 1989" right after a citation: another Act's section
	otherActRe = regexp.MustCompile(`^\s*(?:\([^)]*\)\s*)*of\s+the\s+((?:[A-Z][\w'’()]*\s+){1,6})Act`)

	// An explicit refusal, which counts even in a letter that also
	// acknowledges the request.
	refusalVerbRe = wordsRe(`(?i)(refus(?:e|ed|ing) (?:to (?:provide|disclose|release|supply|comply|confirm or deny)|(?:your|this|the|part of your|parts of your) request)|refusal notice|(?:we|the council|i) (?:are|is|am|have|has) (?:therefore )?refus(?:ing|ed)\b)`)
	// Saying that information is exempt or withheld, and talk of
	// exemptions, which an acknowledgement's boilerplate has too ("some
	// information may be exempt from disclosure").
	exemptionTalkRe = wordsRe(`(?i)((?:is|are) (?:therefore |being )?(?:exempt|withheld)\b|\bwithholding\b|\bexempt(?:ion|ions)?\b.{0,60}?(?:disclos|under|by virtue|section|regulation|\bact\b|\bfoi)|\bvexatious\b|manifestly unreasonable)`)
	costLimitRe     = wordsRe(`(?i)((?:exceeds?|exceeding|would exceed|exceeded|above|over|beyond) the (?:appropriate|upper cost|cost|upper) limit|\bcost limit\b|\bappropriate limit\b)`)
	publishedRe     = wordsRe(`(?i)(reasonably accessible|otherwise accessible|already (?:been )?(?:published|made (?:publicly )?available|publicly available|available|in the public domain)|(?:is|are) publicly available|in the public domain|(?:the|this|that) information (?:you (?:have )?requested |requested )?(?:is|can be) (?:already )?(?:published|available|found|accessed) (?:on|at|via|online|from))`)
	// An answer that the authority holds no such information (s.1(1)(a)
	// FOIA, s.17 FOISA, reg 12(4)(a) EIR): a response, whose detail says so
	// for the reviewer and the report.
	notHeldRe = wordsRe(`(?i)(\b(?:do|does|did) not hold (?:any|the|this|that|such|a)\b|\b(?:is|are|was|were) not held\b|\bholds? no (?:recorded |such )?information\b|\bno (?:such |recorded )?information (?:is |was )?held\b|\binformation not held\b|regulation 12 ?\(4\) ?\(a\)|section 17 of the freedom of information \(scotland\))`)
	urlRe     = regexp.MustCompile(`https?://[^\s<>"'\])]+`)
	// a link an email carries whatever it says
	boilerplateURLRe = regexp.MustCompile(`(?i)(privacy|cookie|disclaimer|unsubscribe|data protection)`)
	scotlandRe       = regexp.MustCompile(`(?i)(\(scotland\)|\bfoisa\b|scottish information commissioner)`)
)

// What each exemption is called, under FOIA and under FOISA.
var (
	foiaSections = map[int]string{12: "cost limit", 14: "vexatious or repeated", 21: "reasonably accessible",
		22: "intended for future publication", 23: "security bodies", 24: "national security", 26: "defence",
		27: "international relations", 28: "relations within the UK", 29: "the economy", 30: "investigations",
		31: "law enforcement", 32: "court records", 33: "audit functions", 35: "government policy",
		36: "prejudice to the conduct of public affairs", 37: "communications with the Royal Family", 38: "health and safety",
		39: "environmental information", 40: "personal information", 41: "information provided in confidence",
		42: "legal professional privilege", 43: "commercial interests", 44: "prohibitions on disclosure"}
	foisaSections = map[int]string{12: "cost limit", 14: "vexatious or repeated", 25: "otherwise accessible",
		26: "prohibitions on disclosure", 27: "intended for future publication", 28: "relations within the UK",
		29: "formulation of Scottish Administration policy", 30: "prejudice to the conduct of public affairs",
		31: "national security", 32: "international relations", 33: "commercial interests and the economy",
		34: "investigations", 35: "law enforcement", 36: "confidentiality", 37: "court records",
		38: "personal information", 39: "health, safety and the environment", 40: "audit functions",
		41: "communications with the Royal Family"}
	eirRegulations = map[string]string{"12(4)(a)": "not held", "12(4)(b)": "manifestly unreasonable", "12(4)(c)": "too general",
		"12(4)(d)": "unfinished material", "12(4)(e)": "internal communications", "12(5)(b)": "course of justice",
		"12(5)(e)": "commercial confidentiality", "13": "personal data", "6(1)(b)": "publicly available"}
)

// citation is one exemption the text cites, in the order it first does.
type citation struct {
	name      string // "s.40 (personal information)"
	published bool   // s.21 FOIA, s.25 FOISA, reg 6(1)(b) EIR
	cost      bool   // s.12
	pos       int
}

// citations lists the exemptions text cites in the FOI regime's words.
func citations(text string) []citation {
	sections, published := foiaSections, 21
	if scotlandRe.MatchString(text) {
		sections, published = foisaSections, 25
	}
	var out []citation
	seen := map[string]bool{}
	add := func(c citation) {
		if !seen[c.name] {
			seen[c.name] = true
			out = append(out, c)
		}
	}
	for _, m := range sectionCiteRe.FindAllStringSubmatchIndex(text, -1) {
		if !inFOIContext(text, m[0], m[1]) {
			continue
		}
		nums := []string{text[m[2]:m[3]]}
		for _, more := range moreSectionsRe.FindAllStringSubmatch(text[m[4]:m[5]], -1) {
			nums = append(nums, more[1])
		}
		for _, s := range nums {
			n, _ := strconv.Atoi(s)
			label, ok := sections[n]
			if !ok {
				continue
			}
			add(citation{name: fmt.Sprintf("s.%d (%s)", n, label), published: n == published, cost: n == 12, pos: m[0]})
		}
	}
	for _, m := range regulationCiteRe.FindAllStringSubmatchIndex(text, -1) {
		if !inFOIContext(text, m[0], m[1]) {
			continue
		}
		key := text[m[2]:m[3]]
		if m[4] >= 0 {
			key += "(" + text[m[4]:m[5]] + ")"
		}
		if m[6] >= 0 {
			key += "(" + strings.ToLower(text[m[6]:m[7]]) + ")"
		}
		label, ok := eirRegulations[key]
		if !ok || key == "12(4)(a)" { // not held is an answer, not a refusal
			continue
		}
		add(citation{name: fmt.Sprintf("reg %s (%s)", key, label), published: key == "6(1)(b)", pos: m[0]})
	}
	return out
}

// inFOIContext reports whether the citation at text[start:end] is one of the
// FOI regime's: words of that regime close by, and not another Act's
// section ("section 31 of the Children Act 1989").
func inFOIContext(text string, start, end int) bool {
	if m := otherActRe.FindStringSubmatch(text[end:min(len(text), end+80)]); m != nil {
		act := strings.ToLower(m[1])
		if !strings.Contains(act, "freedom of information") && !strings.Contains(act, "environmental information") && !strings.HasPrefix(act, "foi") {
			return false
		}
	}
	return foiContextRe.MatchString(text[max(0, start-150):min(len(text), end+150)])
}

// answer recognises a refusal or an "already published" reply, or reports
// false. In a letter that acknowledges the request (ack), only an explicit
// refusal or "already published" counts: an acknowledgement warns of the
// cost limit and exemptions that may apply.
func answer(text string, ack bool) (Decision, bool) {
	cites := citations(text)
	var refusing, publishing []string
	for _, c := range cites {
		if c.published {
			publishing = append(publishing, c.name)
		} else {
			refusing = append(refusing, c.name)
		}
	}
	cost := costLimitRe.FindString(text)
	if cost != "" && !slicesHasCost(cites) {
		refusing = append(refusing, "cost limit")
	}
	phrase := refusalVerbRe.FindString(text)
	pubLoc := publishedRe.FindStringIndex(text)
	if ack {
		if phrase == "" && pubLoc == nil {
			return Decision{}, false
		}
	} else if phrase == "" {
		phrase = exemptionTalkRe.FindString(text)
	}
	if len(refusing) == 0 && (len(publishing) > 0 || pubLoc != nil) {
		d := Decision{Kind: mail.KindPublished}
		var why []string
		if len(publishing) > 0 {
			why = append(why, "cites "+strings.Join(publishing, ", "))
		}
		if pubLoc != nil {
			why = append(why, fmt.Sprintf("says %q", text[pubLoc[0]:pubLoc[1]]))
		}
		at := -1 // the first sign of publication
		if pubLoc != nil {
			at = pubLoc[0]
		}
		for _, c := range cites {
			if c.published && (at < 0 || c.pos < at) {
				at = c.pos
			}
		}
		url := nearURL(text, at)
		d.Detail = strings.Join(publishing, ", ")
		if url != "" {
			d.Detail = strings.TrimSpace(d.Detail + " " + url)
			why = append(why, "at "+url)
		}
		if d.Detail == "" {
			d.Detail = "already published (no address given)"
		}
		d.Reason = "already published: " + strings.Join(why, "; ")
		return d, true
	}
	if len(refusing) == 0 && phrase == "" {
		return Decision{}, false
	}
	d := Decision{Kind: mail.KindRefusal, Detail: strings.Join(append(refusing, publishing...), "; ")}
	switch {
	case len(refusing) > 0:
		d.Reason = "refusal: cites " + d.Detail
	default:
		d.Reason = fmt.Sprintf("refusal text %q (no exemption named)", strings.TrimSpace(phrase))
	}
	return d, true
}

func slicesHasCost(cs []citation) bool {
	for _, c := range cs {
		if c.cost {
			return true
		}
	}
	return false
}

// nearURL is the web address closest after text[at:] (within a few
// sentences), else closest before it; "" when none is near.
func nearURL(text string, at int) string {
	if at < 0 {
		return ""
	}
	var after, before string
	for _, loc := range urlRe.FindAllStringIndex(text[max(0, at-300):min(len(text), at+600)], -1) {
		start, end := max(0, at-300)+loc[0], max(0, at-300)+loc[1]
		if boilerplateURLRe.MatchString(text[max(0, start-60):end]) {
			continue
		}
		u := strings.TrimRight(text[start:end], ".,;:!?")
		if start >= at {
			after = u
			break
		}
		before = u
	}
	if after != "" {
		return after
	}
	return before
}

// wordsRe compiles a pattern whose spaces match any run of white space, so
// that a phrase broken across lines still matches.
func wordsRe(pattern string) *regexp.Regexp {
	return regexp.MustCompile(strings.ReplaceAll(pattern, " ", `\s+`))
}
