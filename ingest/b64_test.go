package ingest

import (
	"bytes"
	"encoding/base64"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/emersion/go-message"
)

// goMessageDecode is what go-message makes of a base64 body.
func goMessageDecode(body string) ([]byte, error) {
	var h message.Header
	h.Set("Content-Transfer-Encoding", "base64")
	e, err := message.New(h, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(e.Body)
}

func TestDecodeBase64MatchesGoMessage(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 300; i++ {
		data := make([]byte, rng.IntN(300<<10))
		for j := range data {
			data[j] = byte(rng.Uint32())
		}
		if i%7 == 0 {
			data = data[:rng.IntN(9)]
		}
		enc := base64.StdEncoding.EncodeToString(data)
		width := []int{76, 64, 72, 4, 1, 77, 1000, 1 << 20}[i%8]
		brk := []string{"\r\n", "\n", "\r\n ", "\r\n\t", " "}[i%5]
		var b strings.Builder
		for len(enc) > width {
			b.WriteString(enc[:width] + brk)
			enc = enc[width:]
		}
		b.WriteString(enc + "\r\n")
		body := b.String()
		var got bytes.Buffer
		var r io.Reader = strings.NewReader(body)
		if i%3 == 0 {
			r = iotest.HalfReader(r)
		}
		if _, err := decodeBase64To(&got, r); err != nil {
			t.Fatalf("case %d (width %d, break %q): %v", i, width, brk, err)
		}
		if !bytes.Equal(got.Bytes(), data) {
			t.Fatalf("case %d (width %d, break %q): decoded %d bytes, want %d", i, width, brk, got.Len(), len(data))
		}
		want, err := goMessageDecode(body)
		if err != nil || !bytes.Equal(want, data) {
			t.Fatalf("case %d: go-message disagrees: %v", i, err)
		}
	}
}

func TestDecodeBase64BadInput(t *testing.T) {
	data := bytes.Repeat([]byte("attachment bytes "), 20000)
	enc := base64.StdEncoding.EncodeToString(data)
	for name, body := range map[string]string{
		"bad byte":        enc[:200000] + "!" + enc[200000:],
		"cut short":       enc[:len(enc)-2],
		"trailing junk":   enc + "==QUJD",
		"nothing but bad": "%%%%",
	} {
		var got bytes.Buffer
		_, err := decodeBase64To(&got, strings.NewReader(body))
		if err == nil {
			t.Errorf("%s: no error", name)
		}
		if !bytes.HasPrefix(data, got.Bytes()) {
			t.Errorf("%s: wrote %d bytes that are not a prefix of the data", name, got.Len())
		}
		if _, gerr := goMessageDecode(body); gerr == nil {
			t.Errorf("%s: go-message accepts it", name)
		}
	}
	var got bytes.Buffer
	if _, err := decodeBase64To(&got, strings.NewReader("")); err != nil || got.Len() != 0 {
		t.Errorf("empty body: %v, %d bytes", err, got.Len())
	}
}
