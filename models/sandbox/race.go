//go:build race

package sandbox

// raceBuild: built with the race detector, whose ThreadSanitizer maps
// shadow memory that RLIMIT_DATA leaves no room for; workers then go
// without that limit (the heap watcher still applies). Scripts also run
// about ten times slower.
const raceBuild = true
