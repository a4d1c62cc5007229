package web_test

import "gatehouse/models/authz"

func authzSet(g []authz.Grant) authz.Set { return authz.NewSet(g) }
