package topics

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"quietdesk/internal/wordvec"
)

// A model file is gzip around a payload: the magic "QDTOPICS", a format
// version, a JSON header (labels, sizes, temperature…), the feature keys
// front-coded (shared prefix length, then the rest; they are sorted), then
// the IDF, weights and biases as little-endian float32. Keys are kept as
// text so a model can be read and explained, not only run.
const (
	modelMagic   = "QDTOPICS"
	modelVersion = 1
)

type modelHeader struct {
	Labels   []string `json:"labels"`
	Features int      `json:"features"`
	Words    int      `json:"words"`
	// Concepts and ConceptShare: see Vectorizer; absent in older files.
	Concepts     int     `json:"concepts,omitempty"`
	ConceptShare float64 `json:"concept_share,omitempty"`
	// Dense, DenseShare and WordVectors (the table's wordvec.ID): see
	// Vectorizer; absent in older files.
	Dense       int     `json:"dense,omitempty"`
	DenseShare  float64 `json:"dense_share,omitempty"`
	WordVectors string  `json:"word_vectors,omitempty"`
	Temperature float64 `json:"temperature"`
	Threshold   float64 `json:"threshold"`
	TrainedOn   int     `json:"trained_on"`
	CharMin     int     `json:"char_min"`
	CharMax     int     `json:"char_max"`
}

// Encode writes the model file.
func (m *Model) Encode(w io.Writer) error {
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	if err := m.writePayload(zw); err != nil {
		return err
	}
	return zw.Close()
}

// payload is the uncompressed model file: what the determinism test
// compares, since compressors may change between Go releases.
func (m *Model) payload() []byte {
	var buf bytes.Buffer
	_ = m.writePayload(&buf)
	return buf.Bytes()
}

func (m *Model) writePayload(w io.Writer) error {
	bw := bufio.NewWriter(w)
	bw.WriteString(modelMagic)
	binary.Write(bw, binary.LittleEndian, uint16(modelVersion))
	h, _ := json.Marshal(modelHeader{
		Labels: m.Labels, Features: len(m.Vec.Keys), Words: m.Vec.Words,
		Concepts: m.Vec.Concepts, ConceptShare: m.Vec.ConceptShare,
		Dense: m.Vec.Dense, DenseShare: m.Vec.DenseShare, WordVectors: m.Vec.wordVectorsID(),
		Temperature: m.Temperature, Threshold: m.Threshold, TrainedOn: m.TrainedOn,
		CharMin: charMin, CharMax: charMax,
	})
	bw.Write(binary.AppendUvarint(nil, uint64(len(h))))
	bw.Write(h)
	prev := ""
	var tmp []byte
	for _, k := range m.Vec.Keys {
		p := commonPrefix(prev, k)
		tmp = binary.AppendUvarint(tmp[:0], uint64(p))
		tmp = binary.AppendUvarint(tmp, uint64(len(k)-p))
		bw.Write(tmp)
		bw.WriteString(k[p:])
		prev = k
	}
	for _, fs := range [][]float32{m.Vec.IDF, m.W, m.B} {
		for _, f := range fs {
			tmp = binary.LittleEndian.AppendUint32(tmp[:0], math.Float32bits(f))
			bw.Write(tmp)
		}
	}
	return bw.Flush()
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// ErrNotAModel is returned for a file that is not a topics model.
var ErrNotAModel = errors.New("not a Quietdesk topics model (make one with quietdesk topics train)")

// Decode reads a model file.
func Decode(r io.Reader) (*Model, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, ErrNotAModel
	}
	defer zr.Close()
	br := bufio.NewReader(zr)
	magic := make([]byte, len(modelMagic))
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != modelMagic {
		return nil, ErrNotAModel
	}
	var version uint16
	if err := binary.Read(br, binary.LittleEndian, &version); err != nil {
		return nil, ErrNotAModel
	}
	if version != modelVersion {
		return nil, fmt.Errorf("topics model format %d is not one this version reads (%d): retrain it with quietdesk topics train", version, modelVersion)
	}
	hl, err := binary.ReadUvarint(br)
	if err != nil || hl > 1<<20 {
		return nil, fmt.Errorf("topics model: bad header")
	}
	hb := make([]byte, hl)
	if _, err := io.ReadFull(br, hb); err != nil {
		return nil, fmt.Errorf("topics model: %w", err)
	}
	var h modelHeader
	if err := json.Unmarshal(hb, &h); err != nil {
		return nil, fmt.Errorf("topics model header: %w", err)
	}
	if h.CharMin != charMin || h.CharMax != charMax {
		return nil, fmt.Errorf("topics model uses character n-grams %d–%d, this version %d–%d: retrain it", h.CharMin, h.CharMax, charMin, charMax)
	}
	k := len(h.Labels)
	if k < 2 || h.Features < 0 || h.Words > h.Features || h.Features > 1<<24 ||
		h.Concepts < 0 || h.Concepts > h.Words || !(h.ConceptShare >= 0 && h.ConceptShare < 1) {
		return nil, fmt.Errorf("topics model: bad sizes")
	}
	if h.Dense != 0 || h.WordVectors != "" {
		if h.WordVectors != wordvec.ID || h.Dense != wordvec.Dims {
			return nil, fmt.Errorf("topics model uses the word vectors %q, this version has %q: retrain it", h.WordVectors, wordvec.ID)
		}
		if h.Dense > h.Features-h.Words || !(h.DenseShare > 0 && h.DenseShare < 1) {
			return nil, fmt.Errorf("topics model: bad sizes")
		}
	}
	vec := &Vectorizer{Keys: make([]string, h.Features), Concepts: h.Concepts, Words: h.Words, ConceptShare: h.ConceptShare,
		Dense: h.Dense, DenseShare: h.DenseShare}
	prev := ""
	for i := range vec.Keys {
		p, err1 := binary.ReadUvarint(br)
		n, err2 := binary.ReadUvarint(br)
		if err := errors.Join(err1, err2); err != nil || p > uint64(len(prev)) || n > 1<<16 {
			return nil, fmt.Errorf("topics model: bad feature %d", i)
		}
		rest := make([]byte, n)
		if _, err := io.ReadFull(br, rest); err != nil {
			return nil, fmt.Errorf("topics model: %w", err)
		}
		vec.Keys[i] = prev[:p] + string(rest)
		prev = vec.Keys[i]
	}
	read := func(n int) ([]float32, error) {
		raw := make([]byte, 4*n)
		if _, err := io.ReadFull(br, raw); err != nil {
			return nil, fmt.Errorf("topics model: truncated: %w", err)
		}
		out := make([]float32, n)
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
		return out, nil
	}
	m := &Model{Labels: h.Labels, Vec: vec, Temperature: h.Temperature, Threshold: h.Threshold, TrainedOn: h.TrainedOn}
	if vec.IDF, err = read(h.Features); err != nil {
		return nil, err
	}
	if m.W, err = read(h.Features * k); err != nil {
		return nil, err
	}
	if m.B, err = read(k); err != nil {
		return nil, err
	}
	if m.Temperature <= 0 {
		return nil, fmt.Errorf("topics model: bad temperature %v", m.Temperature)
	}
	vec.buildIndex()
	return m, nil
}

// Bytes returns the model file.
func (m *Model) Bytes() []byte {
	var buf bytes.Buffer
	_ = m.Encode(&buf)
	return buf.Bytes()
}

// Load decodes a model file from bytes.
func Load(b []byte) (*Model, error) { return Decode(bytes.NewReader(b)) }

// ReadModelFile reads a model file from disk.
func ReadModelFile(path string) (*Model, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := Load(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}
