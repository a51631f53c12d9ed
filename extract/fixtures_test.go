package extract

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The format fixtures in testdata/formats, and the fuzz seed corpora, are
// written by this generator, by hand rather than by an office suite, so
// each one holds exactly the structures a test names (headers, footnotes,
// tables, charsets). Without -fixtures the test checks that the committed
// files are what the generator makes; with it, it rewrites them:
//
//	go test ./extract -run TestGenerateFixtures -fixtures
var writeFixtures = flag.Bool("fixtures", false, "rewrite testdata/formats and testdata/fuzz from the generator")

const fixtureDir = "testdata/formats"

func TestGenerateFixtures(t *testing.T) {
	put := func(path string, data []byte) {
		if !*writeFixtures {
			old, err := os.ReadFile(path)
			if err != nil || !bytes.Equal(old, data) {
				t.Errorf("%s is not what the generator makes (%v); run with -fixtures to rewrite it", path, err)
			}
			return
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write := func(name string, data []byte) { put(filepath.Join(fixtureDir, name), data) }
	docx := fixtureDOCX()
	write("policy.docx", docx)
	write("policy.odt", fixtureODT())
	write("figures.xlsx", fixtureXLSX())
	write("figures.ods", fixtureODS())
	write("briefing.pptx", fixturePPTX())
	write("locked.odt", zipOf(
		[2]string{"mimetype", "application/vnd.oasis.opendocument.text"},
		[2]string{"META-INF/manifest.xml", `<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"><manifest:encryption-data manifest:checksum-type="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0#sha256-1k" manifest:checksum="AAAA"><manifest:algorithm manifest:algorithm-name="http://www.w3.org/2001/04/xmlenc#aes256-cbc" manifest:initialisation-vector="AAAA"/></manifest:encryption-data></manifest:file-entry></manifest:manifest>`},
		[2]string{"content.xml", "\x8f\x12 ciphertext, not XML"},
	))
	write("letter.rtf", []byte(fixtureRTF))
	write("reply.html", fixtureHTML())
	write("letter.txt", fixtureText())
	write("returns.csv", []byte("Authority;Policy;Pages\r\nCyngor Gwynedd;yes;4\r\nDenbighshire;no;0\r\n\"Leeds, City of\";yes;12\r\n"))
	write("forwarded.eml", fixtureEmail(docx))
	write("bundle.zip", fixtureZip(docx))
	// A Word file whose name says PDF: type comes from content.
	write("lying-extension.pdf", docx)

	// Seed corpora for the fuzz targets (fuzz_test.go).
	seed := func(target, name string, data []byte) {
		body := "go test fuzz v1\n[]byte(" + strconv.Quote(string(data)) + ")\n"
		if target == "FuzzNormalize" {
			body = "go test fuzz v1\nstring(" + strconv.Quote(string(data)) + ")\n"
		}
		put(filepath.Join("testdata/fuzz", target, name), []byte(body))
	}
	read := func(p string) []byte {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	seed("FuzzParseDOCX", "policy", docx)
	seed("FuzzParseODT", "policy", fixtureODT())
	seed("FuzzParseXLSX", "figures", fixtureXLSX())
	seed("FuzzParseODS", "figures", fixtureODS())
	seed("FuzzParseRTF", "letter", []byte(fixtureRTF))
	seed("FuzzParseRTF", "unicode", []byte(`{\rtf1\uc2\u8364??{\*\x{{{}}}}\'`))
	seed("FuzzParseHTML", "reply", fixtureHTML())
	seed("FuzzParseCSV", "returns", read(filepath.Join(fixtureDir, "returns.csv")))
	seed("FuzzParseText", "letter", fixtureText())
	seed("FuzzParseText", "utf16", []byte("\xff\xfeh\x00i\x00"))
	seed("FuzzDetect", "email", fixtureEmail([]byte("x")))
	seed("FuzzDetect", "pdf", []byte("%PDF-1.4\n"))
	seed("FuzzNormalize", "welsh", []byte("w\u0302yr \uFB01 \u00AD\r\n"))
	seed("FuzzExtract", "simple-pdf", read("testdata/pdf/simple1.pdf"))
	seed("FuzzExtract", "zip", fixtureZip(docx))
	seed("FuzzExtract", "email", fixtureEmail(docx))
	seed("FuzzExtract", "rtf", []byte(fixtureRTF))
}

// zipOf builds a zip; a member named "mimetype" is stored first and
// uncompressed, as OpenDocument requires.
func zipOf(files ...[2]string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		h := &zip.FileHeader{Name: f[0], Method: zip.Deflate, Modified: time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)}
		if f[0] == "mimetype" {
			h.Method = zip.Store
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			panic(err)
		}
		w.Write([]byte(f[1]))
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

const wNS = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`

func wPara(text string) string {
	return `<w:p><w:r><w:t xml:space="preserve">` + text + `</w:t></w:r></w:p>`
}

func fixtureDOCX() []byte {
	doc := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document ` + wNS + `><w:body>` +
		wPara("Policy on recording meetings") +
		`<w:p><w:r><w:t xml:space="preserve">Parents may record meetings with social workers. This af</w:t></w:r><w:r><w:t>ﬁ</w:t></w:r><w:r><w:t xml:space="preserve">rms our commitment</w:t></w:r><w:r><w:footnoteReference w:id="1"/></w:r><w:r><w:t>.</w:t></w:r></w:p>` +
		`<w:p><w:r><w:t xml:space="preserve">Polisi: cofnodi cyfarfodydd gyda gweithwyr cymdeithasol yng Nghyngor Sir Ddinbych – ŵyr, tŷ, â</w:t></w:r></w:p>` +
		`<w:p><w:r><w:t xml:space="preserve">Deleted text is </w:t></w:r><w:del><w:r><w:delText>SECRET DRAFT</w:delText></w:r></w:del><w:r><w:t>not shown.</w:t></w:r></w:p>` +
		`<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Meeting</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Recording allowed</w:t></w:r></w:p></w:tc></w:tr>` +
		`<w:tr><w:tc><w:p><w:r><w:t>Case conference</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Yes, with notice</w:t></w:r></w:p></w:tc></w:tr></w:tbl>` +
		`<w:p><w:r><mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"><mc:Choice Requires="wps"><w:drawing><w:txbxContent><w:p><w:r><w:t>Text box: contact the FOI team</w:t></w:r></w:p></w:txbxContent></w:drawing></mc:Choice><mc:Fallback><w:pict><w:txbxContent><w:p><w:r><w:t>Text box: contact the FOI team</w:t></w:r></w:p></w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>` +
		`<w:p><w:r><w:t>Review date:</w:t></w:r><w:r><w:tab/><w:t>April 2027</w:t></w:r></w:p>` +
		`<w:sectPr><w:headerReference w:type="default" r:id="rIdH"/><w:footerReference w:type="default" r:id="rIdF"/></w:sectPr></w:body></w:document>`
	header := `<?xml version="1.0" encoding="UTF-8"?><w:hdr ` + wNS + `>` + wPara("Example Borough Council – OFFICIAL") + `</w:hdr>`
	footer := `<?xml version="1.0" encoding="UTF-8"?><w:ftr ` + wNS + `>` + wPara("Page footer: FOI 2026/123") + `</w:ftr>`
	notes := `<?xml version="1.0" encoding="UTF-8"?><w:footnotes ` + wNS + `>` +
		`<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>` +
		`<w:footnote w:id="1">` + wPara("See the Children Act 1989, section 17.") + `</w:footnote></w:footnotes>`
	return zipOf(
		[2]string{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/header1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/><Override PartName="/word/footer1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/><Override PartName="/word/footnotes.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"/></Types>`},
		[2]string{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`},
		[2]string{"word/_rels/document.xml.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rIdH" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/header" Target="header1.xml"/><Relationship Id="rIdF" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer1.xml"/><Relationship Id="rIdN" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes" Target="footnotes.xml"/></Relationships>`},
		[2]string{"word/document.xml", doc},
		[2]string{"word/header1.xml", header},
		[2]string{"word/footer1.xml", footer},
		[2]string{"word/footnotes.xml", notes},
	)
}

const odfNS = `xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" office:version="1.3"`

func odfManifest(mt string) string {
	return `<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3"><manifest:file-entry manifest:full-path="/" manifest:media-type="` + mt + `"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/><manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/></manifest:manifest>`
}

func fixtureODT() []byte {
	content := `<?xml version="1.0" encoding="UTF-8"?><office:document-content ` + odfNS + `><office:body><office:text>` +
		`<text:tracked-changes><text:changed-region text:id="c1"><text:deletion><text:p>WITHDRAWN DRAFT WORDING</text:p></text:deletion></text:changed-region></text:tracked-changes>` +
		`<text:h text:outline-level="1">Recording meetings policy</text:h>` +
		`<text:p>Parents may record meetings<text:note text:id="ftn1" text:note-class="footnote"><text:note-citation>1</text:note-citation><text:note-body><text:p>Subject to the Data Protection Act 2018.</text:p></text:note-body></text:note> with social workers.</text:p>` +
		`<text:p>Welsh:<text:s/>Cyngor<text:tab/>Sir Ynys Môn – ŵ ŷ</text:p>` +
		`<table:table table:name="Table1"><table:table-row><table:table-cell><text:p>Meeting</text:p></table:table-cell><table:table-cell><text:p>Allowed</text:p></table:table-cell></table:table-row>` +
		`<table:table-row><table:table-cell><text:p>Core group</text:p></table:table-cell><table:table-cell><text:p>Yes</text:p></table:table-cell></table:table-row></table:table>` +
		`<text:list><text:list-item><text:p>First item</text:p></text:list-item></text:list>` +
		`</office:text></office:body></office:document-content>`
	styles := `<?xml version="1.0" encoding="UTF-8"?><office:document-styles ` + odfNS + `><office:styles><style:style style:name="Standard"><text:p>not document text</text:p></style:style></office:styles><office:master-styles><style:master-page style:name="Standard"><style:header><text:p>Isle of Anglesey County Council</text:p></style:header><style:footer><text:p>Footer: page 1</text:p></style:footer></style:master-page></office:master-styles></office:document-styles>`
	return zipOf(
		[2]string{"mimetype", "application/vnd.oasis.opendocument.text"},
		[2]string{"META-INF/manifest.xml", odfManifest("application/vnd.oasis.opendocument.text")},
		[2]string{"content.xml", content},
		[2]string{"styles.xml", styles},
	)
}

func fixtureXLSX() []byte {
	sheet := func(rows string) string {
		return `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` + rows + `</sheetData></worksheet>`
	}
	return zipOf(
		[2]string{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>`},
		[2]string{"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Requests" sheetId="1" r:id="rId1"/><sheet name="Notes" sheetId="2" r:id="rId2"/></sheets></workbook>`},
		[2]string{"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/sheet2.xml"/></Relationships>`},
		[2]string{"xl/sharedStrings.xml", `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>Quarter</t></si><si><t>Requests</t></si><si><r><t>Q1 </t></r><r><t>2026</t></r></si><si><t>Cyngor Caerdydd – ŵ</t></si></sst>`},
		[2]string{"xl/worksheets/sheet1.xml", sheet(`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row><row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2"><v>42</v></c><c r="C2" t="b"><v>1</v></c></row><row r="3"><c r="A3" t="inlineStr"><is><t>Total</t></is></c><c r="B3"><f>SUM(B2)</f><v>42</v></c></row>`)},
		[2]string{"xl/worksheets/sheet2.xml", sheet(`<row r="1"><c r="A1" t="s"><v>3</v></c></row>`)},
	)
}

func fixtureODS() []byte {
	content := `<?xml version="1.0" encoding="UTF-8"?><office:document-content ` + odfNS + `><office:body><office:spreadsheet>` +
		`<table:table table:name="Replies"><table:table-row><table:table-cell><text:p>Authority</text:p></table:table-cell><table:table-cell><text:p>Days</text:p></table:table-cell><table:table-cell table:number-columns-repeated="16000"/></table:table-row>` +
		`<table:table-row><table:table-cell><text:p>Powys</text:p></table:table-cell><table:table-cell office:value-type="float" office:value="19"><text:p>19</text:p></table:table-cell></table:table-row>` +
		`<table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="1024"/></table:table-row></table:table>` +
		`<table:table table:name="Second"><table:table-row><table:table-cell table:number-columns-repeated="2"><text:p>x</text:p></table:table-cell></table:table-row></table:table>` +
		`</office:spreadsheet></office:body></office:document-content>`
	return zipOf(
		[2]string{"mimetype", "application/vnd.oasis.opendocument.spreadsheet"},
		[2]string{"META-INF/manifest.xml", odfManifest("application/vnd.oasis.opendocument.spreadsheet")},
		[2]string{"content.xml", content},
	)
}

const fixtureRTF = `{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0\fswiss Arial;}}{\colortbl;\red0\green0\blue0;}
{\*\generator Hand written;}{\info{\title Not text}{\author Nobody}}
{\header\pard Example Council header\par}
\pard\plain Dear Sir or Madam,\par
Caf\'e9 policy: see \u373?yr and t\u375?, \'e2.\par
{\field{\*\fldinst HYPERLINK "https://example.org"}{\fldrslt Our website}}\par
\trowd\cellx2000\cellx4000 Meeting\cell Allowed\cell\row
\trowd\cellx2000\cellx4000 Review\cell Yes\cell\row
Yours faithfully\line FOI Team{\*\unknowndest hidden}\par
}`

func fixtureHTML() []byte {
	// Windows-1252, declared in a meta tag: 0x92 is a right quote, 0xE9 é.
	s := "<!DOCTYPE html><html><head><meta charset=\"windows-1252\"><title>Ignored title</title><style>p{color:red}</style><script>var x = 'not text';</script></head><body>" +
		"<h1>Reply to your request</h1><p>We\x92ve attached the caf\xe9 policy.<br>Second line.</p>" +
		"<table><tr><th>Item</th><th>Answer</th></tr><tr><td>Policy</td><td>Yes</td></tr></table>" +
		"<ul><li>One</li><li>Two &amp; three</li></ul><!-- a comment --></body></html>"
	return []byte(s)
}

func fixtureText() []byte {
	// Windows-1252: "£" is 0xA3, "–" is 0x96.
	return []byte("Dear requester,\r\nThe fee is \xa30 \x96 no charge applies.\r\nCaerdydd\r\n")
}

func fixtureEmail(docx []byte) []byte {
	b64 := base64.StdEncoding.EncodeToString(docx)
	var lines []string
	for len(b64) > 76 {
		lines = append(lines, b64[:76])
		b64 = b64[76:]
	}
	lines = append(lines, b64)
	return []byte(strings.ReplaceAll(`From: FOI Team <foi@example.gov.uk>
To: requester@example.org
Subject: =?utf-8?q?Re=3A_Your_request_=E2=80=93_recording_policy?=
Date: Tue, 10 Nov 2026 10:00:00 +0000
Message-ID: <reply-1@example.gov.uk>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

Please find our policy attached. Caf=E9 meetings are recorded.
--b1
Content-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document; name="policy.docx"
Content-Disposition: attachment; filename="policy.docx"
Content-Transfer-Encoding: base64

`+strings.Join(lines, "\n")+`
--b1--
`, "\n", "\r\n"))
}

func fixtureZip(docx []byte) []byte {
	inner := zipOf([2]string{"letter.rtf", fixtureRTF})
	simple, err := os.ReadFile("testdata/pdf/simple1.pdf")
	if err != nil {
		panic(err)
	}
	return zipOf(
		[2]string{"policy.docx", string(docx)},
		[2]string{"scan/hello.pdf", string(simple)},
		[2]string{"inner.zip", string(inner)},
		[2]string{"__MACOSX/._policy.docx", "junk"},
	)
}

func fixturePPTX() []byte {
	slide := func(title, body string) string {
		return `<?xml version="1.0" encoding="UTF-8"?><p:sld xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"><p:cSld><p:spTree>` +
			`<p:sp><p:txBody><a:p><a:r><a:t>` + title + `</a:t></a:r></a:p></p:txBody></p:sp>` +
			`<p:sp><p:txBody><a:p><a:r><a:t>` + body + `</a:t></a:r><a:br/><a:r><a:t>second line</a:t></a:r></a:p></p:txBody></p:sp>` +
			`</p:spTree></p:cSld></p:sld>`
	}
	return zipOf(
		[2]string{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>`},
		[2]string{"ppt/presentation.xml", `<?xml version="1.0" encoding="UTF-8"?><p:presentation xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"/>`},
		[2]string{"ppt/slides/slide10.xml", slide("Slide ten", "comes after two")},
		[2]string{"ppt/slides/slide2.xml", slide("Slide two", "Recording is allowed")},
		[2]string{"ppt/slides/slide1.xml", slide("Briefing for members", "Cyngor Bro Morgannwg")},
		[2]string{"ppt/notesSlides/notesSlide1.xml", slide("Speaker notes", "not shown")},
	)
}
