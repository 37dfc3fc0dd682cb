package demo

// SetScale lowers the light-mode and chunking thresholds for a test.
func SetScale(light, chunk int) (restore func()) {
	l, c := lightAbove, chunkSize
	lightAbove, chunkSize = light, chunk
	return func() { lightAbove, chunkSize = l, c }
}
