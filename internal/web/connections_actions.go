package web

import (
	"database/sql"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"quietdesk/internal/audit"
	"quietdesk/internal/auth"
	"quietdesk/internal/connect"
	"quietdesk/internal/domain"
	"quietdesk/internal/store"
)

const connectionsURL = "/settings/connections"

// addConnection answers POST /settings/connections: it stores a
// connection with its credentials sealed under the operator's key, and
// its audit record, in one transaction. A refused form is drawn again
// with its name and config, never its credentials.
func (s *Server) addConnection(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	kind := r.PostFormValue("kind")
	f, ok := formOf(kind)
	if !ok {
		return domain.Errorf(domain.EInvalid, "kind %q: add a connection of kind %s", kind, strings.Join(formKinds(), ", "))
	}
	name := strings.TrimSpace(r.PostFormValue("name"))
	config, creds := map[string]string{}, map[string]string{}
	for _, fl := range f.Config {
		if v := strings.TrimSpace(r.PostFormValue(fl.Name)); v != "" {
			config[fl.Name] = v
		}
	}
	for _, fl := range f.Creds {
		if v := strings.TrimSpace(r.PostFormValue(fl.Name)); v != "" {
			creds[fl.Name] = v
		}
	}
	refused := func(err error) error {
		code := domain.ErrorCode(err)
		if code != domain.EInvalid && code != domain.EConflict {
			return err
		}
		return s.renderConnections(w, r, sess, statusOf(code), &connectionFormView{connectionForm: f, Name: name, Values: config, Error: err.Error()})
	}
	if s.Sealer == nil {
		return refused(domain.Errorf(domain.EConflict, "this server has no secret key to seal credentials with: %s", noKeyAdvice))
	}
	err := s.db.WriteTx(r.Context(), func(tx *store.Tx) error {
		if _, err := connect.Create(r.Context(), tx, s.Sealer, name, kind, config, creds, s.Now()); err != nil {
			return err
		}
		// Credentials never reach the audit log: its detail is the kind.
		return audit.Record(r.Context(), tx, s.Now(), sess.User.Email, "connection.save", name, kind)
	})
	if err != nil {
		return refused(err)
	}
	connect.Wake() // its backfill starts now rather than at the next minute
	http.Redirect(w, r, connectionsURL+"#connection-"+url.PathEscape(name), http.StatusSeeOther)
	return nil
}

// noKeyAdvice says how an operator gives the server its key.
const noKeyAdvice = "make one with `quietdesk connections key > quietdesk.key`, set " + connect.KeyFileEnv + "=quietdesk.key (or " + connect.KeyEnv + " to its contents) for serve, and start it again"

func formKinds() []string {
	out := make([]string, len(connectionForms))
	for i, f := range connectionForms {
		out[i] = f.Kind
	}
	return out
}

// syncConnectionNow answers POST /settings/connections/{name}/sync: the
// connection becomes due now and the scheduler's connections task is
// woken. A stopped or paused connection is resumed first, deliberately.
func (s *Server) syncConnectionNow(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	name := r.PathValue("name")
	now := s.Now()
	err := s.db.WriteTx(r.Context(), func(tx *store.Tx) error {
		var state string
		if err := tx.QueryRow(r.Context(), `SELECT state FROM connections WHERE name = ?`, name).Scan(&state); err != nil {
			return notFoundConnection(name, err)
		}
		switch state {
		case connect.StateStopped:
			return domain.Errorf(domain.EConflict, "connection %s is stopped: fix what its reason says, then Resume it", name)
		case connect.StatePaused:
			return domain.Errorf(domain.EConflict, "connection %s is paused: Resume it to sync again", name)
		}
		if _, err := tx.Exec(r.Context(), `UPDATE connections SET next_sync_at = ?, updated_at = ? WHERE name = ?`, now.Unix(), now.Unix(), name); err != nil {
			return err
		}
		return audit.Record(r.Context(), tx, now, sess.User.Email, "connection.sync", name, "")
	})
	if err != nil {
		return err
	}
	connect.Wake()
	http.Redirect(w, r, connectionsURL+"#connection-"+url.PathEscape(name), http.StatusSeeOther)
	return nil
}

func notFoundConnection(name string, err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Errorf(domain.ENotFound, "no connection named %q: the connections page lists them", name)
	}
	return err
}

// pauseConnection answers POST /settings/connections/{name}/pause and
// …/resume.
func (s *Server) pauseConnection(paused bool) pageFunc {
	action := "connection.resume"
	if paused {
		action = "connection.pause"
	}
	return func(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
		name := r.PathValue("name")
		err := s.db.WriteTx(r.Context(), func(tx *store.Tx) error {
			if _, err := connect.SetPaused(r.Context(), tx, name, paused, s.Now()); err != nil {
				return err
			}
			return audit.Record(r.Context(), tx, s.Now(), sess.User.Email, action, name, "")
		})
		if err != nil {
			return err
		}
		if !paused {
			connect.Wake()
		}
		http.Redirect(w, r, connectionsURL+"#connection-"+url.PathEscape(name), http.StatusSeeOther)
		return nil
	}
}

// removeConnection answers POST /settings/connections/{name}/remove: the
// connection and its credentials go; what it stored stays.
func (s *Server) removeConnection(w http.ResponseWriter, r *http.Request, sess *auth.Session) error {
	name := r.PathValue("name")
	err := s.db.WriteTx(r.Context(), func(tx *store.Tx) error {
		if err := connect.Remove(r.Context(), tx, name); err != nil {
			return err
		}
		return audit.Record(r.Context(), tx, s.Now(), sess.User.Email, "connection.remove", name, "")
	})
	if err != nil {
		return err
	}
	http.Redirect(w, r, connectionsURL, http.StatusSeeOther)
	return nil
}

// getConnections answers GET /api/v1/connections: each connection's state
// and progress, never its credentials.
func (s *Server) getConnections(w http.ResponseWriter, r *http.Request) error {
	list, err := connect.List(r.Context(), s.db)
	if err != nil {
		return err
	}
	if list == nil {
		list = []*connect.Connection{}
	}
	w.Header().Set("Cache-Control", "no-store")
	return writeJSON(w, http.StatusOK, map[string]any{"connections": list})
}
