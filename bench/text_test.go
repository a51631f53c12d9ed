package bench

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// policyWords are the words generated policies are made of. "recording"
// is in every model policy and in about a fifth of the others' sentences,
// so searching for it finds thousands of documents.
var policyWords = strings.Fields(`the council policy on recording meetings with social workers parents may record
a meeting covert overt consent permission prohibit not permitted mobile phone device data protection officer
information request freedom act section exemption personal data children family staff member practice guidance
procedure review service team manager decision assessment case conference visit notes minutes written agreement
equipment audio video capture privacy notice retention storage sharing third party safeguarding welfare court
evidence complaint advocate support home school health education local authority county borough district city
housing planning licensing highways waste leisure library transport budget contract tender supplier invoice
payment schedule appendix annex version approved cabinet committee member officer director head principal
adult carer provider placement foster residential respite transition plan outcome target indicator performance`)

// sentence is n words drawn from policyWords, capitalised and ended.
func sentence(rng *rand.Rand, n int) string {
	w := make([]string, n)
	for i := range w {
		w[i] = policyWords[rng.IntN(len(policyWords))]
	}
	w[0] = strings.ToUpper(w[0][:1]) + w[0][1:]
	return strings.Join(w, " ") + "."
}

// paragraph is a few sentences of eight to sixteen words.
func paragraph(rng *rand.Rand) string {
	s := make([]string, 3+rng.IntN(4))
	for i := range s {
		s[i] = sentence(rng, 8+rng.IntN(9))
	}
	return strings.Join(s, " ")
}

// modelPolicies is how many model policies the stored documents copy:
// councils that share a provider or a template send near-identical
// policies, and that is what the same-model check finds.
const modelPolicies = 50

// modelPolicy is model m's paragraphs, the same for every run.
func modelPolicy(m int) []string {
	rng := rand.New(rand.NewPCG(uint64(m), 0x6d6f64656c))
	paras := make([]string, 8+rng.IntN(12))
	paras[0] = "Policy on recording meetings with staff of COUNCIL, adopted DATE."
	for i := 1; i < len(paras); i++ {
		paras[i] = paragraph(rng)
	}
	return paras
}

// policyText is document i's text as an authority sent it. Every fourth is
// a copy of a model policy with the authority's name, a date and one
// paragraph changed (a near-duplicate of every other authority's copy);
// the rest are the authority's own, 300 to 900 words. The same i always
// gives the same text.
func policyText(i int, authority string) string {
	rng := rand.New(rand.NewPCG(uint64(i), 0x706f6c696379))
	if i%4 == 0 {
		paras := modelPolicy((i / 4) % modelPolicies)
		out := make([]string, len(paras))
		copy(out, paras)
		out[0] = strings.NewReplacer("COUNCIL", authority, "DATE", fmt.Sprintf("%d March 2025", 1+i%28)).Replace(out[0])
		out[1+rng.IntN(len(out)-1)] = paragraph(rng)
		return strings.Join(out, "\n\n")
	}
	var paras []string
	paras = append(paras, fmt.Sprintf("%s: guidance for staff, reference %d.", authority, i))
	for words := 0; words < 300+rng.IntN(600); {
		p := paragraph(rng)
		words += len(strings.Fields(p))
		paras = append(paras, p)
	}
	return strings.Join(paras, "\n\n")
}

// pdfLines is text cut into lines of about ten words, at most max lines, for
// a one-page PDF.
func pdfLines(text string, max int) []string {
	words := strings.Fields(text)
	var lines []string
	for len(words) > 0 && len(lines) < max {
		n := min(10, len(words))
		lines = append(lines, strings.Join(words[:n], " "))
		words = words[n:]
	}
	return lines
}
