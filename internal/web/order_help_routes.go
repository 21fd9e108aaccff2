package web

// orderHelpRoutes lists order status and returns without a person: the public order lookup, one-time codes and return requests.
func (s *Server) orderHelpRoutes() []route {
	return nil
}
