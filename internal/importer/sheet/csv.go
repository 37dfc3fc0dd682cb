package sheet

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// Encoding of a CSV file as detected.
type Encoding string

const (
	UTF8    Encoding = "utf-8"
	UTF8BOM Encoding = "utf-8-bom"
	GB18030 Encoding = "gb18030"
)

// sniffSize is how much of a file encoding detection looks at. GB18030 text
// is almost never valid UTF-8 (its lead bytes 0x81–0xFE are followed by
// bytes UTF-8 forbids there), so 64 KiB of Chinese text decides reliably.
const sniffSize = 64 << 10

// DetectEncoding looks at the start of a CSV file: a UTF-8 byte-order mark,
// valid UTF-8, or else GB18030 (what Chinese Excel writes for "CSV").
// UTF-16 (Excel's "Unicode text") is refused with a hint.
func DetectEncoding(head []byte) (Encoding, error) {
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		return UTF8BOM, nil
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return "", errors.New("the file is UTF-16 (Excel \"Unicode text\"): save it as \"CSV UTF-8\" or .xlsx")
	}
	if utf8.Valid(trimPartialRune(head)) {
		return UTF8, nil
	}
	return GB18030, nil
}

// trimPartialRune drops a multi-byte character cut off by the sniff window,
// so a valid UTF-8 file is not mistaken for GB18030.
func trimPartialRune(b []byte) []byte {
	for i := 1; i <= utf8.UTFMax && i <= len(b); i++ {
		c := b[len(b)-i]
		if c < 0x80 {
			return b
		}
		if utf8.RuneStart(c) {
			if !utf8.FullRune(b[len(b)-i:]) {
				return b[:len(b)-i]
			}
			return b
		}
	}
	return b
}

type csvTable struct {
	r        *csv.Reader
	header   []string
	encoding Encoding
}

// OpenCSV reads a CSV file in any of the supported encodings; the delimiter
// (comma, semicolon or tab) is taken from the header line.
func OpenCSV(r io.Reader) (Table, error) {
	br := bufio.NewReaderSize(r, sniffSize)
	head, err := br.Peek(sniffSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, err
	}
	enc, err := DetectEncoding(head)
	if err != nil {
		return nil, err
	}
	var src io.Reader = br
	switch enc {
	case UTF8BOM:
		_, _ = br.Discard(3)
	case GB18030:
		src = transform.NewReader(br, simplifiedchinese.GB18030.NewDecoder())
		head, _ = simplifiedchinese.GB18030.NewDecoder().Bytes(head)
	}
	cr := csv.NewReader(src)
	cr.Comma = delimiter(head)
	cr.FieldsPerRecord = -1 // ragged rows are checked per row, with a row number
	t := &csvTable{r: cr, encoding: enc}
	for {
		rec, err := t.read()
		if errors.Is(err, io.EOF) {
			return nil, errors.New("the file is empty: expected a header row")
		} else if err != nil {
			return nil, err
		}
		if !blank(rec.Cells) {
			t.header = rec.Cells
			return t, nil
		}
	}
}

// delimiter guesses the separator from the first line: Excel in some
// locales writes semicolons, and "Unicode text" uses tabs.
func delimiter(head []byte) rune {
	line, _, _ := bytes.Cut(head, []byte{'\n'})
	best, n := ',', bytes.Count(line, []byte{','})
	for _, d := range []rune{';', '\t'} {
		if c := bytes.Count(line, []byte(string(d))); c > n {
			best, n = d, c
		}
	}
	return best
}

func (t *csvTable) read() (Row, error) {
	rec, err := t.r.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return Row{}, &CellError{Row: pe.StartLine, Message: fmt.Sprintf("malformed CSV at line %d, column %d: %v", pe.Line, pe.Column, pe.Err)}
		}
		return Row{}, err
	}
	line, _ := t.r.FieldPos(0)
	return Row{Line: line, Cells: rec}, nil
}

func (t *csvTable) Header() []string { return t.header }

func (t *csvTable) Next() (Row, error) {
	for {
		r, err := t.read()
		if err != nil || !blank(r.Cells) {
			return r, err
		}
	}
}

func (t *csvTable) Close() error { return nil }

// EncodingOf reports the detected encoding of a table read by OpenCSV.
func EncodingOf(t Table) Encoding {
	if c, ok := t.(*csvTable); ok {
		return c.encoding
	}
	return ""
}
