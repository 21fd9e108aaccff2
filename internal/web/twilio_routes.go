package web

// twilioRoutes are the routes of this channel (docs/channels.md).
func (s *Server) twilioRoutes() []route { return nil }
