package web

import "quietdesk/internal/auth"

// topicsLearningRoutes lists the page where the topic model learns from
// agents (docs/topics.md#agents-teach-it): every role sees how the model's
// figures moved with each retraining; agents and admins, who read
// customers' messages, label the contacts the model is least sure about.
func (s *Server) topicsLearningRoutes() []route {
	everyone := []string{auth.RoleAdmin, auth.RoleAnalyst, auth.RoleAgent}
	return []route{
		{"GET /topics/learning", s.page(everyone, s.topicsLearningPage), true},
		{"POST /topics/learning/label", s.page(auth.DeskRoles, s.topicsLearningLabel), true},
	}
}
