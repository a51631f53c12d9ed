package ingest

import (
	"bytes"
	"encoding/binary"
	"unicode/utf16"
)

const tnefPDF = "%PDF-1.5\n% Riverton recording policy, sent from Outlook as rich text\n%%EOF\n"

// buildTNEF writes a winmail.dat the way Outlook does for a rich-text
// message with attachments: signature, key, message attributes, then per
// attachment attAttachRendData, attAttachTitle (8.3 name), attAttachData
// and attAttachment (MAPI properties carrying the long filename).
func buildTNEF(files []struct{ short, long, data string }) []byte {
	var b bytes.Buffer
	le := func(v any) { binary.Write(&b, binary.LittleEndian, v) }
	attr := func(level byte, id uint32, data []byte) {
		b.WriteByte(level)
		le(id)
		le(uint32(len(data)))
		b.Write(data)
		var sum uint16
		for _, c := range data {
			sum += uint16(c)
		}
		le(sum)
	}
	le(uint32(tnefSignature))
	le(uint16(0x0001))
	attr(0x01, 0x00089006, []byte{0x01, 0x00, 0x01, 0x00}) // attTnefVersion-ish message attribute
	attr(0x01, 0x00078008, []byte("IPM.Microsoft Mail.Note\x00"))
	for _, f := range files {
		attr(levelAttachment, attAttachRendData, make([]byte, 14))
		attr(levelAttachment, attAttachTitle, []byte(f.short+"\x00"))
		attr(levelAttachment, attAttachData, []byte(f.data))
		var props bytes.Buffer
		pl := func(v any) { binary.Write(&props, binary.LittleEndian, v) }
		pl(uint32(2))
		// PR_ATTACH_METHOD (0x3705, PT_LONG)
		pl(uint16(0x0003))
		pl(uint16(0x3705))
		pl(uint32(1))
		// PR_ATTACH_LONG_FILENAME (0x3707, PT_UNICODE)
		pl(uint16(0x001F))
		pl(uint16(0x3707))
		pl(uint32(1))
		u := utf16.Encode([]rune(f.long + "\x00"))
		pl(uint32(len(u) * 2))
		for _, x := range u {
			pl(x)
		}
		for props.Len()%4 != 0 {
			props.WriteByte(0)
		}
		attr(levelAttachment, attAttachment, props.Bytes())
	}
	return b.Bytes()
}

func tnefMessage() []byte {
	tn := buildTNEF([]struct{ short, long, data string }{
		{"RECORD~1.PDF", "Recording Policy 2025.pdf", tnefPDF},
		{"notes.txt", "notes.txt", "short note"},
	})
	return []byte("From: Riverton FOI <foi@riverton.gov.uk>\r\n" +
		"To: jo.bloggs@campaign.example\r\n" +
		"Subject: RE: Freedom of Information request [ref: W9PC2NBP]\r\n" +
		"Date: Thu, 26 Nov 2026 10:00:00 +0000\r\n" +
		"Message-ID: <riverton-tnef-1@riverton.gov.uk>\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"tn\"\r\n\r\n" +
		"--tn\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nPlease find attached our policy.\r\n" +
		"--tn\r\nContent-Type: application/ms-tnef; name=\"winmail.dat\"\r\nContent-Disposition: attachment; filename=\"winmail.dat\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		b64lines(tn) + "--tn--\r\n")
}
