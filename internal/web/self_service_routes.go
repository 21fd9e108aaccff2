package web

// selfServiceRoutes lists the self-service measures: deflection per article, failing articles, searches with no result.
func (s *Server) selfServiceRoutes() []route {
	return nil
}
