package web

// hooksRoutes are the routes of this channel (docs/channels.md).
func (s *Server) hooksRoutes() []route { return nil }
