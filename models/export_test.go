package models

// For the tests of package models_test.
var ConnectionLost = connectionLost
