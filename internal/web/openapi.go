package web

import (
	_ "embed"
	"net/http"
)

// openAPIDoc describes every route. It is written by hand, for people to
// read; openapi_test.go checks it against the handlers and the Kinds, so it
// cannot drift from them.
//
//go:embed openapi.json
var openAPIDoc []byte

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	_, err := w.Write(openAPIDoc)
	return err
}
