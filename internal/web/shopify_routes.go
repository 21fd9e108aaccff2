package web

// shopifyRoutes are the routes of this channel (docs/channels.md).
func (s *Server) shopifyRoutes() []route { return nil }
