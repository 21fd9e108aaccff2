package web

// chatRoutes are the routes of this channel (docs/channels.md).
func (s *Server) chatRoutes() []route { return nil }
