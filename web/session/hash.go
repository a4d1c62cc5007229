package session

import "gatehouse/models"

func hashOf(raw string) string { return models.HashToken(raw) }
