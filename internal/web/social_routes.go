package web

// socialRoutes are the routes of this channel (docs/channels.md).
func (s *Server) socialRoutes() []route { return nil }
